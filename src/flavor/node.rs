//! The npm `memcached` client (its default `compatibility: 'ketama'`) and npm `hashring`
//! (default options), which share one ring.
//!
//! A server gets `floor(W / T * 40 * n)` MD5s (in double: 39 for 7, 14, 28, ... equal
//! servers) of `"<name>-<k>"`, four points each; `hashring` names it as given, the `memcached`
//! client drops the port where it reads as 11211: it splits the address at every `:` and takes
//! the second part as a JavaScript number (so `[::1]:11211` keeps its port, and `host:011211`
//! loses it). The first point at or after a key's MD5 word; equal points go to the server
//! listed first. The client hashes a key as given: it sends a long key's MD5 in its place, but
//! picks the server by the key itself.

use super::libketama::RING;
use super::{weighted, Recipe, Total};
use crate::build_error::BuildError;
use crate::continuum::Server;

/// Largest weight total counted (JavaScript numbers are exact to 2^53).
const MOST: u64 = u32::MAX as u64;

fn inputs(servers: &[Server], _: Total) -> Result<Vec<u32>, BuildError> {
    weighted(servers, MOST, 4, |w, t, n| {
        (w as f64 / t as f64 * 40.0 * n as f64).floor() as u64
    })
}

/// The `memcached` client's name for a server (connection-parse): the part before the first
/// `:` when the part after it reads as the number 11211, the address as given otherwise.
fn node_name(addr: &[u8]) -> Vec<u8> {
    let mut parts = addr.split(|&b| b == b':');
    let host = parts.next().unwrap_or_default();
    match parts.next().map(js_number) {
        Some(11211.0) => host.to_vec(),
        _ => addr.to_vec(),
    }
}

/// JavaScript's `+text` for the spellings a port takes: blanks around it ignored, nothing is 0,
/// `0x`/`0o`/`0b` prefixes, decimal with a fraction or an exponent; anything else NaN.
fn js_number(text: &[u8]) -> f64 {
    let Ok(text) = std::str::from_utf8(text) else {
        return f64::NAN;
    };
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if text.is_empty() {
        return 0.0;
    }
    for (prefix, radix) in [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ] {
        if let Some(digits) = text.strip_prefix(prefix) {
            return u64::from_str_radix(digits, radix).map_or(f64::NAN, |v| v as f64);
        }
    }
    let decimal = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if decimal {
        text.parse().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    }
}

pub static NODE_MEMCACHED: Recipe = Recipe {
    name: c"node-memcached",
    aliases: &["memcached.js"],
    clients: c"npm memcached 2.x (compatibility: 'ketama', the default)",
    identity: Some(node_name),
    inputs,
    ..RING
};

pub static HASHRING: Recipe = Recipe {
    name: c"hashring",
    aliases: &[],
    clients: c"npm hashring 3.x (default options)",
    inputs,
    ..RING
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memcached_client_drops_a_port_that_reads_as_11211() {
        let name = |a: &str| String::from_utf8(node_name(a.as_bytes())).unwrap();
        assert_eq!(name("10.0.0.1:11211"), "10.0.0.1");
        assert_eq!(name("10.0.0.1:11311"), "10.0.0.1:11311");
        assert_eq!(name("host:0x2BCB"), "host");
        assert_eq!(name("host:011211"), "host");
        assert_eq!(name("[::1]:11211"), "[::1]:11211");
        assert_eq!(name("cache"), "cache");
        assert_eq!(name("host:abc"), "host:abc");
    }

    #[test]
    fn seven_equal_servers_get_39_md5s() {
        let servers: Vec<Server> = (0..7).map(|i| Server::new(format!("h{i}"), 1)).collect();
        assert_eq!(inputs(&servers, Total::Checked).unwrap(), vec![39; 7]);
    }
}
