//! Ruby dalli 3.x's `Dalli::Ring`.
//!
//! A server is named `host:port` (the port always written, an IPv6 host without its brackets;
//! a UNIX socket by its path). It gets `floor(n * 160 * W / T)` points (the product exact,
//! converted to double for one division), each the first four bytes, big endian, of SHA-1 of
//! `"<name>:<k>"`. Keys are hashed with CRC-32, after dalli's `KeyManager` has shortened a key
//! of over 250 characters to its first 212, `:md5:` and the MD5 of the whole key in hex. A key
//! goes to the last point at or before its hash (below every point, to the last point). Of
//! equal points, the one found is the last where Ruby's `sort_by` leaves them: since Ruby 3.3
//! its own introsort decides ([`crate::ruby_sort`]; `dalli`), before it glibc's stable merge
//! sort, so the later server's (`dalli-ruby3.2`). A namespace is part of the key: pass
//! `namespace:key`.

use super::libketama::RING;
use super::{weighted, KeyHash, Lookup, Points, Recipe, Ties, Total};
use crate::addr;
use crate::build_error::BuildError;
use crate::continuum::Server;
use crate::hashkit;
use std::borrow::Cow;

/// Largest weight total counted (Ruby's integers have no limit; doubles are exact to 2^53).
const MOST: u64 = u32::MAX as u64;

fn inputs(servers: &[Server], _: Total) -> Result<Vec<u32>, BuildError> {
    weighted(servers, MOST, 1, |w, t, n| {
        ((n as u64 * 160 * w) as f64 / t as f64).floor() as u64
    })
}

fn sha1_points(id: &[u8], _: u32, out: &mut [u32]) {
    super::each_indexed(id, b':', hashkit::sha1_be, out);
}

/// dalli's name for a server: `host:port`, a socket's path as it is.
fn name(addr: &[u8]) -> Vec<u8> {
    if addr.starts_with(b"/") {
        addr.to_vec()
    } else {
        addr::host_port(addr)
    }
}

/// dalli's key: a key of over 250 characters (bytes, when it is not UTF-8: a binary string)
/// becomes its first 212, `:md5:` and its MD5 in hex.
fn shorten(key: &[u8]) -> Cow<'_, [u8]> {
    if key.len() <= 250 {
        return Cow::Borrowed(key);
    }
    let kept = match std::str::from_utf8(key) {
        Ok(text) if text.chars().count() <= 250 => return Cow::Borrowed(key),
        Ok(text) => text.char_indices().nth(212).map_or(key.len(), |(at, _)| at),
        Err(_) => 212,
    };
    let mut short = key[..kept].to_vec();
    short.extend_from_slice(b":md5:");
    for b in crate::hash::md5(key) {
        short.extend_from_slice(format!("{b:02x}").as_bytes());
    }
    Cow::Owned(short)
}

/// dalli on Ruby 3.3 or later.
pub static RECIPE: Recipe = Recipe {
    name: c"dalli",
    aliases: &["ruby-dalli"],
    clients: c"Ruby dalli 3.x Dalli::Ring (Dalli::Client) on Ruby 3.3 or later",
    identity: Some(name),
    inputs,
    points: Points::Each {
        generate: sha1_points,
    },
    key: KeyHash::Other(hashkit::crc32),
    key_name: "crc32",
    prepare: Some(shorten),
    lookup: Lookup::AtOrBefore,
    ties: Ties::RubySortBy,
    ..RING
};

/// dalli on Ruby 3.2 or older (Debian 12's ruby-dalli): the same ring but for ties.
pub static RUBY32: Recipe = Recipe {
    name: c"dalli-ruby3.2",
    aliases: &[],
    clients: c"Ruby dalli 3.x on Ruby 3.2 or older with glibc's qsort (Debian 12's ruby-dalli)",
    ties: Ties::Later,
    ..RECIPE
};
