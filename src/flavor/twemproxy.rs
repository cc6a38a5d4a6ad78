//! twemproxy (nutcracker) with `distribution: ketama`, for each of its `hash:` functions:
//! `ketama_update` in `src/hashkit/nc_ketama.c`.
//!
//! The ring is libmemcached's weighted one (the same single-precision count, the same MD5 of
//! `"<name>-<k>"`), but a server's name is the one its `servers:` line gives after the weight
//! (`- 10.0.0.1:11211:1 cache1`) where it gives one, and keys are hashed by the pool's `hash:`
//! (FNV-1a in 32 bits with 64-bit constants, `fnv1a_64`, when none is given; bytes read as
//! signed chars). The first point at or after a key's hash. nutcracker sorts its servers by
//! name (shorter first, then byte by byte) before it builds the ring, so an equal point goes to
//! the server whose name sorts first; it refuses two servers of the same name, and so does this
//! flavor. An IPv6 server is named without brackets (`::1:11311`), as nutcracker needs it
//! written (`- ::1:11311:1`).

use super::libketama::RING;
use super::libmemcached::weighted_md5s;
use super::{c_str, weighted, KeyHash, Recipe, Ties, Total};
use crate::addr;
use crate::build_error::BuildError;
use crate::continuum::Server;
use crate::hashkit;

/// Largest weight total twemproxy counts: a `uint32_t`.
const MOST: u64 = u32::MAX as u64;

/// The longest name whose strings `"<name>-<k>"` fit twemproxy's 273-byte buffer whatever `k`
/// (`KETAMA_MAX_HOSTLEN`: 255 for a host, 6 for `:port`): it cuts longer ones, hashing the
/// same string for several points.
const MOST_NAME: usize = 261;

/// twemproxy's checks of its servers' names: none too long, no two alike (nutcracker refuses
/// "servers with same name"), then the weights.
fn inputs(servers: &[Server], _: Total) -> Result<Vec<u32>, BuildError> {
    let mut seen = std::collections::HashMap::new();
    for (index, s) in servers.iter().enumerate() {
        let name = s
            .name
            .clone()
            .unwrap_or_else(|| addr::host_port_unless_default(&s.addr));
        if name.len() > MOST_NAME {
            return Err(BuildError::NameTooLong {
                index,
                most: MOST_NAME,
            });
        }
        if let Some(&first) = seen.get(&name) {
            return Err(BuildError::SameName { first, index });
        }
        seen.insert(name, index);
    }
    weighted(servers, MOST, 4, weighted_md5s)
}

macro_rules! twemproxy {
    ($static:ident, $name:expr, $aliases:expr, $hash:expr, $keyname:expr, $hashname:expr) => {
        pub static $static: Recipe = Recipe {
            name: c_str(concat!($name, "\0").as_bytes()),
            aliases: $aliases,
            clients: c_str(
                concat!(
                    "twemproxy (nutcracker) with distribution: ketama and hash: ",
                    $hashname,
                    "\0"
                )
                .as_bytes(),
            ),
            identity: Some(addr::host_port_unless_default),
            inputs,
            key: $hash,
            key_name: $keyname,
            named: true,
            ties: Ties::NameOrder,
            ..RING
        };
    };
}

twemproxy!(
    FNV1A_64,
    "twemproxy",
    &["twemproxy:fnv1a_64", "nutcracker"],
    KeyHash::Other(hashkit::fnv1a_64),
    "fnv1a_64",
    "fnv1a_64 (the default)"
);
twemproxy!(
    ONE_AT_A_TIME,
    "twemproxy:one_at_a_time",
    &[],
    KeyHash::Other(hashkit::one_at_a_time),
    "one_at_a_time",
    "one_at_a_time"
);
twemproxy!(MD5, "twemproxy:md5", &[], KeyHash::Md5, "md5", "md5");
twemproxy!(
    CRC16,
    "twemproxy:crc16",
    &[],
    KeyHash::Other(hashkit::crc16),
    "crc16",
    "crc16"
);
twemproxy!(
    CRC32,
    "twemproxy:crc32",
    &[],
    KeyHash::Other(hashkit::crc32_15),
    "crc32_15",
    "crc32"
);
twemproxy!(
    CRC32A,
    "twemproxy:crc32a",
    &[],
    KeyHash::Other(hashkit::crc32),
    "crc32",
    "crc32a"
);
twemproxy!(
    FNV1_64,
    "twemproxy:fnv1_64",
    &[],
    KeyHash::Other(hashkit::fnv1_64),
    "fnv1_64",
    "fnv1_64"
);
twemproxy!(
    FNV1_32,
    "twemproxy:fnv1_32",
    &[],
    KeyHash::Other(hashkit::fnv1_32),
    "fnv1_32",
    "fnv1_32"
);
twemproxy!(
    FNV1A_32,
    "twemproxy:fnv1a_32",
    &[],
    KeyHash::Other(hashkit::fnv1a_32),
    "fnv1a_32",
    "fnv1a_32"
);
twemproxy!(
    HSIEH,
    "twemproxy:hsieh",
    &[],
    KeyHash::Other(hashkit::hsieh),
    "hsieh",
    "hsieh"
);
twemproxy!(
    MURMUR,
    "twemproxy:murmur",
    &[],
    KeyHash::Other(hashkit::murmur),
    "murmur",
    "murmur"
);
twemproxy!(
    JENKINS,
    "twemproxy:jenkins",
    &[],
    KeyHash::Other(hashkit::jenkins),
    "jenkins",
    "jenkins"
);
