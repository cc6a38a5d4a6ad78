//! The in-memory API against an independent computation of SPEC's algorithm: every point of a
//! 10,000-server continuum, long addresses hashed whole, and byte keys with NULs.

use ketama::ffi::{create_ketama, get_server, ketama_free, ketama_server, mcs};
use md5::{Digest, Md5};
use std::ffi::{c_char, CString};

/// SPEC's point formula written out plainly, as a second implementation: (point, server)
/// pairs in continuum order.
fn reference(servers: &[(String, u64)]) -> Vec<(u32, usize)> {
    let total: u64 = servers.iter().map(|s| s.1).sum();
    let n = servers.len();
    let mut points = Vec::new();
    for (index, (addr, weight)) in servers.iter().enumerate() {
        let pct: f32 = *weight as f32 / total as f32;
        let product: f64 = (pct as f64) * 40.0 * ((n as f32) as f64);
        let ks = (product as f32).floor() as u32;
        for k in 0..ks {
            let d = Md5::digest(format!("{addr}-{k}").as_bytes());
            for h in 0..4 {
                let b = &d[4 * h..4 * h + 4];
                points.push((u32::from_le_bytes([b[0], b[1], b[2], b[3]]), index));
            }
        }
    }
    points.sort(); // equal points: lower server index first, as a stable sort in file order
    points
}

struct Built {
    cont: ketama::ffi::ketama_continuum,
    _addrs: Vec<CString>,
}

impl Drop for Built {
    fn drop(&mut self) {
        // SAFETY: the continuum came from create_ketama and is freed once.
        unsafe { ketama_free(self.cont) };
    }
}

fn build(servers: &[(String, u64)]) -> Built {
    let addrs: Vec<CString> = servers
        .iter()
        .map(|s| CString::new(s.0.as_str()).unwrap())
        .collect();
    let array: Vec<ketama_server> = addrs
        .iter()
        .zip(servers)
        .map(|(a, s)| ketama_server {
            addr: a.as_ptr(),
            weight: s.1,
        })
        .collect();
    // SAFETY: `array` holds `len` servers with NUL-terminated addresses.
    let cont = unsafe { create_ketama(array.as_ptr(), array.len() as u32) };
    assert!(!cont.is_null());
    Built {
        cont,
        _addrs: addrs,
    }
}

fn points(b: &Built) -> &[mcs] {
    // SAFETY: a live continuum's array holds numpoints elements.
    unsafe {
        let c = &*b.cont;
        std::slice::from_raw_parts(c.array.cast::<mcs>(), c.numpoints as usize)
    }
}

fn lookup(b: &Built, key: &[u8]) -> i32 {
    // SAFETY: `key` is readable for its length.
    unsafe { get_server(b.cont, key.as_ptr().cast::<c_char>(), key.len()) }
}

fn ip_of(addr: &str) -> [c_char; 22] {
    let mut ip = [0 as c_char; 22];
    for (d, s) in ip.iter_mut().zip(addr.bytes()) {
        *d = s as c_char;
    }
    ip
}

#[test]
fn ten_thousand_servers_match_the_reference() {
    let servers: Vec<(String, u64)> = (0..10_000u64)
        .map(|i| {
            (
                format!("cache-{i}.memcached.example.net:11211"),
                1 + (i * 7919) % 100,
            )
        })
        .collect();
    let expected = reference(&servers);
    let built = build(&servers);
    let got = points(&built);
    assert_eq!(got.len(), expected.len());
    for (i, (m, &(point, server))) in got.iter().zip(&expected).enumerate() {
        assert_eq!(m.point, point, "point {i}");
        assert_eq!(m.ip, ip_of(&servers[server].0), "ip of point {i}");
    }
}

/// The server index a plain linear scan gives for a key.
fn scan(expected: &[(u32, usize)], key: &[u8]) -> i32 {
    let d = Md5::digest(key);
    let h = u32::from_le_bytes([d[0], d[1], d[2], d[3]]);
    let hit = expected.iter().find(|p| p.0 >= h).unwrap_or(&expected[0]);
    hit.1 as i32
}

#[test]
fn long_addresses_and_byte_keys() {
    let servers: Vec<(String, u64)> = vec![
        ("[2001:db8::1]:11211".into(), 300),
        ("[2001:db8:85a3::8a2e:370:7334]:11211".into(), 200),
        ("a-very-long-host-name.cache.example.org:11211".into(), 100),
        ("10.0.0.4:11211".into(), 1),
    ];
    let expected = reference(&servers);
    let built = build(&servers);
    let got: Vec<u32> = points(&built).iter().map(|m| m.point).collect();
    assert_eq!(got, expected.iter().map(|p| p.0).collect::<Vec<_>>());
    // The fourth server gets no point but keeps its index: nothing maps to it.
    assert!(expected.iter().all(|p| p.1 != 3));

    let mut keys: Vec<Vec<u8>> = vec![b"".to_vec(), b"a\0b".to_vec(), b"\0".to_vec()];
    keys.extend((0..=255u8).map(|b| vec![b; 1 + b as usize % 7]));
    keys.extend((0..2000u32).map(|i| format!("key\0{i}").into_bytes()));
    for key in &keys {
        assert_eq!(lookup(&built, key), scan(&expected, key), "key {key:?}");
    }
}

#[test]
fn a_server_without_points_keeps_its_index() {
    // Weight 4 of 720 over 3 servers gets no point (fixture float_trap_zero_points), here first.
    let servers: Vec<(String, u64)> = vec![
        ("10.0.0.3:11211".into(), 4),
        ("10.0.0.2:11211".into(), 708),
        ("10.0.0.1:11211".into(), 8),
    ];
    let expected = reference(&servers);
    assert!(expected.iter().all(|p| p.1 != 0));
    let built = build(&servers);
    let mut seen = [0usize; 3];
    for i in 0..5000 {
        let key = format!("key:{i}");
        let server = lookup(&built, key.as_bytes());
        assert_eq!(server, scan(&expected, key.as_bytes()), "{key}");
        seen[server as usize] += 1;
    }
    assert_eq!(seen[0], 0);
    assert!(seen[1] > 0 && seen[2] > 0, "{seen:?}");
}

#[test]
fn bad_arguments_give_minus_one() {
    let built = build(&[("a:1".into(), 1)]);
    // SAFETY: NULL arguments are part of the contract.
    unsafe {
        assert_eq!(get_server(std::ptr::null_mut(), c"k".as_ptr(), 1), -1);
        assert_eq!(get_server(built.cont, std::ptr::null(), 0), -1);
    }
    assert_eq!(lookup(&built, b"anything"), 0);
}
