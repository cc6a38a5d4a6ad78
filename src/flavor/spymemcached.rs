//! Java spymemcached's `KetamaNodeLocator` with `DefaultHashAlgorithm.KETAMA_HASH` and the
//! default key format (Enyim's .NET client intends the same ring).
//!
//! A server is named as Java prints its `InetSocketAddress` without the leading `/`: the
//! address as given for an IPv4 literal; on Java 14 and later `[0:0:0:0:0:0:0:1]:11211` for an
//! IPv6 one, `cache1/10.0.0.1:11211` for a host name the JVM looked up and
//! `cache1/<unresolved>:11211` for one it could not: write servers as the JVM names them.
//! Unweighted, each server gets 40 MD5s of `"<name>-<k>"`, four points each; weighted
//! (spymemcached 2.12's weights map), libmemcached's single-precision share of them. The
//! client refuses keys over 250 bytes; this flavor hashes them.
//! Points live in a `TreeMap`, where a later server's equal point replaces an earlier one's:
//! the later server wins a tie. The first point at or after a key's MD5 word.

use super::libketama::RING;
use super::libmemcached::weighted_md5s;
use super::{check_list, weighted, Recipe, Ties, Total};
use crate::build_error::BuildError;
use crate::continuum::Server;

/// Largest weight total: Java `int`s.
const MOST: u64 = i32::MAX as u64;

fn forty(servers: &[Server], _: Total) -> Result<Vec<u32>, BuildError> {
    check_list(servers, MOST)?;
    weighted(servers, MOST, 4, |_, _, _| 40)
}

/// The weighted count: libmemcached's, which spymemcached 2.12 copied step for step.
fn shares(servers: &[Server], _: Total) -> Result<Vec<u32>, BuildError> {
    weighted(servers, MOST, 4, weighted_md5s)
}

pub static RECIPE: Recipe = Recipe {
    name: c"spymemcached",
    aliases: &["spy", "enyim"],
    clients: c"Java spymemcached KetamaNodeLocator (KETAMA_HASH, default key format), \
              unweighted; Enyim (.NET) KetamaNodeLocator",
    inputs: forty,
    named: true,
    ties: Ties::Later,
    ..RING
};

pub static WEIGHTED: Recipe = Recipe {
    name: c"spymemcached-weighted",
    aliases: &[],
    clients: c"Java spymemcached 2.12+ KetamaNodeLocator with a weights map",
    inputs: shares,
    named: true,
    ties: Ties::Later,
    ..RING
};
