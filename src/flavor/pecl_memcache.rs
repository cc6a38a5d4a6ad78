//! The PHP `memcache` extension (pecl memcache) with `memcache.hash_strategy=consistent`:
//! `memcache_consistent_hash.c`.
//!
//! A server gets `W * 160` points, no normalisation, each the hash of `"host:port-<j>"` (an IPv6
//! host in its brackets), CRC-32 (`memcache.hash_function=crc32`, the default) or FNV-1a over
//! signed chars (`fnv`). Keys are hashed the same way, once the extension has replaced their
//! blanks and control characters by `_` and cut them to 250 bytes. Then the extension keeps
//! only a table of 1024 buckets, bucket `b` taking the server of the first point at or after
//! `b * 4194303` (wrapping), and a key goes to bucket `hash(key) % 1024`: so does this flavor,
//! without keeping the points (see `points::buckets`).

use super::libketama::RING;
use super::{check_list, KeyHash, Lookup, Points, Recipe, Total};
use crate::addr;
use crate::build_error::BuildError;
use crate::continuum::Server;
use crate::hashkit;
use std::borrow::Cow;

/// Most points hashed to make the table: some seconds of hashing (pecl memcache itself took
/// 30 s for 200 servers of weight 1000, 32 million points).
pub const MOST_HASHED: u64 = 1 << 28;

fn inputs(servers: &[Server], _: Total) -> Result<Vec<u32>, BuildError> {
    let total = check_list(servers, u64::MAX / 160)?;
    if total * 160 > MOST_HASHED {
        return Err(BuildError::TooManyToHash { most: MOST_HASHED });
    }
    Ok(servers.iter().map(|s| (s.weight * 160) as u32).collect())
}

fn crc32_points(id: &[u8], _: u32, out: &mut [u32]) {
    super::each_indexed(id, b'-', hashkit::crc32, out);
}

fn fnv_points(id: &[u8], _: u32, out: &mut [u32]) {
    super::each_indexed(id, b'-', hashkit::fnv1a_32, out);
}

/// The extension's name for a server: the host as `addServer` takes it (an IPv6 address in its
/// brackets, which it needs to connect), `:`, the port (11211 when none is given).
fn name(addr: &[u8]) -> Vec<u8> {
    let hp = addr::split(addr);
    let mut name = Vec::with_capacity(addr.len() + 8);
    if addr.starts_with(b"[") {
        name.push(b'[');
        name.extend_from_slice(hp.host);
        name.push(b']');
    } else {
        name.extend_from_slice(hp.host);
    }
    name.extend_from_slice(format!(":{}", hp.port_or_default()).as_bytes());
    name
}

/// The key the extension hashes: every byte up to a space (control characters and the space)
/// replaced by `_`, cut to 250 bytes.
fn prepare(key: &[u8]) -> Cow<'_, [u8]> {
    if key.len() <= 250 && key.iter().all(|&b| b > b' ') {
        return Cow::Borrowed(key);
    }
    Cow::Owned(
        key.iter()
            .take(250)
            .map(|&b| if b <= b' ' { b'_' } else { b })
            .collect(),
    )
}

pub static CRC32: Recipe = Recipe {
    name: c"pecl-memcache",
    aliases: &["php-memcache", "pecl-memcache:crc32"],
    clients: c"PHP memcache extension (pecl memcache) with memcache.hash_strategy=consistent and \
              memcache.hash_function=crc32 (the default)",
    identity: Some(name),
    inputs,
    points: Points::Each {
        generate: crc32_points,
    },
    key: KeyHash::Other(hashkit::crc32),
    key_name: "crc32",
    prepare: Some(prepare),
    lookup: Lookup::Buckets,
    ..RING
};

pub static FNV: Recipe = Recipe {
    name: c"pecl-memcache:fnv",
    aliases: &["php-memcache:fnv"],
    clients: c"PHP memcache extension (pecl memcache) with memcache.hash_strategy=consistent and \
              memcache.hash_function=fnv",
    identity: Some(name),
    inputs,
    points: Points::Each {
        generate: fnv_points,
    },
    key: KeyHash::Other(hashkit::fnv1a_32),
    key_name: "fnv1a_32",
    prepare: Some(prepare),
    lookup: Lookup::Buckets,
    ..RING
};
