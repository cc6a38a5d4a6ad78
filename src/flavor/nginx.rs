//! nginx's `hash KEY consistent;` (`ngx_http_upstream_hash_module.c`, compatible with Perl's
//! Cache::Memcached::Fast).
//!
//! A `server` string as written in the configuration is split at its last `:` followed only by
//! digits into host and port. The server gets `W * 160` points: a chain of CRC-32s, each of
//! `host`, a NUL byte, `port` and the previous point in four little-endian bytes (0 before the
//! first). Keys are hashed with CRC-32. The first point at or after a key's hash; of equal
//! points nginx keeps the first, so the server listed first wins a tie.

use super::libketama::RING;
use super::{check_list, KeyHash, Points, Recipe, Total};
use crate::build_error::BuildError;
use crate::continuum::{Server, MAX_POINTS};
use crate::hashkit;

/// `W * 160` points a server, all kept: at most [`MAX_POINTS`] in all.
fn inputs(servers: &[Server], _: Total) -> Result<Vec<u32>, BuildError> {
    let total = check_list(servers, u64::MAX / 160)?;
    if total * 160 > MAX_POINTS {
        return Err(BuildError::TooManyPoints);
    }
    Ok(servers.iter().map(|s| (s.weight * 160) as u32).collect())
}

/// `host` and `port` of a `server` string, as nginx splits it: at the last `:` with only
/// digits after it (none: no port); `unix:` paths are all host.
fn host_and_port(server: &[u8]) -> (&[u8], &[u8]) {
    if server.len() >= 5 && server[..5].eq_ignore_ascii_case(b"unix:") {
        return (&server[5..], b"");
    }
    for (j, &c) in server.iter().rev().enumerate() {
        if c == b':' {
            let at = server.len() - j - 1;
            return (&server[..at], &server[at + 1..]);
        }
        if !c.is_ascii_digit() {
            break;
        }
    }
    (server, b"")
}

fn chain(server: &[u8], _: u32, out: &mut [u32]) {
    let (host, port) = host_and_port(server);
    let mut base = crc32fast::Hasher::new();
    base.update(host);
    base.update(&[0]);
    base.update(port);
    let mut previous = 0u32;
    for point in out.iter_mut() {
        let mut hasher = base.clone();
        hasher.update(&previous.to_le_bytes());
        previous = hasher.finalize();
        *point = previous;
    }
}

pub static RECIPE: Recipe = Recipe {
    name: c"nginx",
    aliases: &["nginx-hash-consistent"],
    clients: c"nginx hash KEY consistent; (ngx_http_upstream_hash_module); Perl \
              Cache::Memcached::Fast",
    inputs,
    points: Points::Each { generate: chain },
    key: KeyHash::Other(hashkit::crc32),
    key_name: "crc32",
    ..RING
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_as_nginx_does() {
        assert_eq!(
            host_and_port(b"10.0.0.1:11211"),
            (&b"10.0.0.1"[..], &b"11211"[..])
        );
        assert_eq!(
            host_and_port(b"[::1]:11311"),
            (&b"[::1]"[..], &b"11311"[..])
        );
        assert_eq!(host_and_port(b"cache"), (&b"cache"[..], &b""[..]));
        assert_eq!(
            host_and_port(b"unix:/tmp/mc.sock"),
            (&b"/tmp/mc.sock"[..], &b""[..])
        );
        assert_eq!(host_and_port(b"a:b"), (&b"a:b"[..], &b""[..]));
    }
}
