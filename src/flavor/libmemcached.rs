//! libmemcached 1.x's consistent rings (and php-memcached's and pylibmc's, which are
//! libmemcached's): `update_continuum` in `hosts.cc`.
//!
//! A server is named `host` alone on port 11211 and `host:port` otherwise. Weighted
//! (`MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED`, php-memcached's `OPT_LIBKETAMA_COMPATIBLE`), it gets
//! `floor` of its share of 40 MD5s a server computed in single precision at every step (for
//! 50 equal servers 39 where libketama gives 40), each MD5 of `"<name>-<k>"` four points.
//! Unweighted, 100 points: the first MD5 word of each (`DISTRIBUTION_CONSISTENT_KETAMA`), or
//! one-at-a-time hashes (`DISTRIBUTION_CONSISTENT`, whose keys are hashed the same way).
//! Adding a server of weight above 1 once `DISTRIBUTION_CONSISTENT` is chosen turns weighting
//! on: the weighted MD5 points, keys still hashed one-at-a-time (`consistent-weighted`). The
//! first point at or after a key's hash; equal points go to the server added first.
//!
//! IPv6 hosts are named without brackets (`::1:11311`), as `memcached_server_add` takes
//! them. The real library refuses keys over 250 bytes, weighs a weight of 0 as 1, and aborts on
//! an assertion past 100 servers in these modes; the flavors refuse weight 0, hash long keys,
//! and build rings of any size.

use super::libketama::RING;
use super::{check_list, weighted, KeyHash, Points, Recipe, Total};
use crate::addr;
use crate::build_error::BuildError;
use crate::continuum::Server;
use crate::hashkit;

/// Largest weight total libmemcached counts: its weights are `uint32_t`.
const MOST: u64 = u32::MAX as u64;

/// MD5s a server gets in the weighted rings (libmemcached's, twemproxy's), every step in
/// single precision as the C code's `float`s make it: `pct * 160 / 4 * n`, plus the 1e-10 its
/// authors added (in double), back to float, floored.
pub(crate) fn weighted_md5s(weight: u64, total: u64, servers: usize) -> u64 {
    let pct = weight as f32 / total as f32;
    let product = pct * 160.0f32 / 4.0f32 * servers as f32;
    let nudged = (f64::from(product) + 0.000_000_000_1) as f32;
    nudged.floor() as u64
}

/// The longest host name `memcached_server_add` takes (`NI_MAXHOST` less its NUL).
const MOST_HOST: usize = 1024;

/// Refuses a host name libmemcached refuses.
fn check_hosts(servers: &[Server]) -> Result<(), BuildError> {
    match servers
        .iter()
        .position(|s| addr::split(&s.addr).host.len() > MOST_HOST)
    {
        Some(index) => Err(BuildError::NameTooLong {
            index,
            most: MOST_HOST,
        }),
        None => Ok(()),
    }
}

fn weighted_inputs(servers: &[Server], _: Total) -> Result<Vec<u32>, BuildError> {
    check_hosts(servers)?;
    weighted(servers, MOST, 4, weighted_md5s)
}

/// 100 points a server, whatever its weight.
fn hundred(servers: &[Server], _: Total) -> Result<Vec<u32>, BuildError> {
    check_hosts(servers)?;
    check_list(servers, MOST)?;
    weighted(servers, MOST, 1, |_, _, _| 100)
}

/// `"/host:port"`: the spymemcached-compatible names of `DISTRIBUTION_CONSISTENT_KETAMA_SPY`.
fn spy_name(addr: &[u8]) -> Vec<u8> {
    let mut name = b"/".to_vec();
    name.extend_from_slice(&addr::host_port(addr));
    name
}

fn oaat_points(id: &[u8], _: u32, out: &mut [u32]) {
    super::each_indexed(id, b'-', hashkit::one_at_a_time, out);
}

pub static WEIGHTED: Recipe = Recipe {
    name: c"libmemcached",
    aliases: &["php-memcached", "pylibmc", "libmemcached-weighted"],
    clients: c"libmemcached 1.x with MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED; php-memcached with \
              OPT_LIBKETAMA_COMPATIBLE; pylibmc with ketama_weighted",
    identity: Some(addr::host_port_unless_default),
    inputs: weighted_inputs,
    ..RING
};

pub static KETAMA: Recipe = Recipe {
    name: c"libmemcached-ketama",
    aliases: &[],
    clients: c"libmemcached 1.x with MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA and the MD5 hash, \
              unweighted",
    identity: Some(addr::host_port_unless_default),
    inputs: hundred,
    points: Points::Md5 { words: 1 },
    ..RING
};

pub static CONSISTENT: Recipe = Recipe {
    name: c"libmemcached-consistent",
    aliases: &[],
    clients: c"libmemcached 1.x with MEMCACHED_DISTRIBUTION_CONSISTENT and its default hash; \
              php-memcached with OPT_DISTRIBUTION = DISTRIBUTION_CONSISTENT alone",
    identity: Some(addr::host_port_unless_default),
    inputs: hundred,
    points: Points::Each {
        generate: oaat_points,
    },
    key: KeyHash::Other(hashkit::one_at_a_time),
    key_name: "one_at_a_time",
    ..RING
};

pub static SPY: Recipe = Recipe {
    name: c"libmemcached-spy",
    aliases: &[],
    clients: c"libmemcached 1.x with MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA_SPY",
    identity: Some(spy_name),
    inputs: weighted_inputs,
    ..RING
};

pub static CONSISTENT_WEIGHTED: Recipe = Recipe {
    name: c"libmemcached-consistent-weighted",
    aliases: &[],
    clients: c"libmemcached 1.x with MEMCACHED_DISTRIBUTION_CONSISTENT chosen before servers of \
              weight above 1 are added (which turns weighting on); php-memcached with \
              OPT_DISTRIBUTION = DISTRIBUTION_CONSISTENT, then addServer/addServers with weights",
    identity: Some(addr::host_port_unless_default),
    inputs: weighted_inputs,
    key: KeyHash::Other(hashkit::one_at_a_time),
    key_name: "one_at_a_time",
    unweighted: Some(&CONSISTENT),
    ..RING
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_precision_counts_part_from_libketama() {
        // 50 equal servers: 39 MD5s each here, 40 in libketama's mixed precision.
        assert_eq!(weighted_md5s(1, 50, 50), 39);
        assert_eq!(super::super::digests_for(1, 50, 50), Some(40));
        assert_eq!(weighted_md5s(1, 1, 1), 40);
    }
}
