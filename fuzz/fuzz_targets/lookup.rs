//! Arbitrary keys and hashes against continua of several shapes and against continua built
//! from the input: `server_for`, the batched `servers_for` (SIMD MD5) and `locate` must agree
//! with a plain linear scan of the points.
#![no_main]

use arbitrary::Arbitrary;
use ketama::continuum::{Continuum, Server};
use ketama::hash::key_hash;
use ketama_fuzz::reference;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

#[derive(Arbitrary, Debug)]
struct Input {
    shape: u8,
    /// (address number, weight) of up to 6 servers; fixed shapes when empty.
    servers: Vec<(u8, u8)>,
    keys: Vec<Vec<u8>>,
    hashes: Vec<u32>,
}

fn servers(list: &[(&str, u64)]) -> Vec<Server> {
    list.iter()
        .map(|&(addr, weight)| Server {
            addr: addr.as_bytes().to_vec(),
            weight,
        })
        .collect()
}

fn with_points(c: Continuum) -> (Continuum, Vec<u32>) {
    let points = c.points().iter().map(|p| p.point).collect();
    (c, points)
}

/// One server; two with the same address (every point a tie); a server too light to get a
/// point; a fleet of mixed weights with long addresses.
fn shapes() -> &'static [(Continuum, Vec<u32>)] {
    static SHAPES: OnceLock<Vec<(Continuum, Vec<u32>)>> = OnceLock::new();
    SHAPES.get_or_init(|| {
        let fleet: Vec<(String, u64)> = (0..12)
            .map(|i| (format!("cache-{i:02}.example.org:11211"), 1 + i * i))
            .collect();
        let fleet: Vec<(&str, u64)> = fleet.iter().map(|(a, w)| (a.as_str(), *w)).collect();
        [
            servers(&[("127.0.0.1:11211", 1)]),
            servers(&[("10.0.0.1:11211", 5), ("10.0.0.1:11211", 5)]),
            servers(&[("a:1", 708), ("b:1", 4), ("c:1", 8)]),
            servers(&fleet),
        ]
        .into_iter()
        .map(|s| with_points(Continuum::build(s).unwrap()))
        .collect()
    })
}

fn check(c: &Continuum, points: &[u32], input: &Input) {
    let keys: Vec<&[u8]> = input.keys.iter().map(Vec::as_slice).collect();
    let mut batch = vec![None; keys.len()];
    c.servers_for(&keys, &mut batch);
    for (key, batched) in keys.iter().zip(batch) {
        let expected = reference::lookup(points, key);
        assert_eq!(c.locate(key_hash(key)), expected, "key {key:?}");
        let server = expected.map(|i| c.owner(i));
        assert_eq!(c.server_for(key), server);
        assert_eq!(batched, server, "servers_for, key {key:?}");
    }
    for &h in &input.hashes {
        let near = points[h as usize % points.len()];
        for h in [h, near, near.wrapping_add(1), near.wrapping_sub(1)] {
            assert_eq!(c.locate(h), reference::scan(points, h), "hash {h}");
        }
    }
}

fuzz_target!(|input: Input| {
    if input.servers.is_empty() {
        let (c, points) = &shapes()[usize::from(input.shape) % shapes().len()];
        check(c, points, &input);
        return;
    }
    let list: Vec<Server> = input
        .servers
        .iter()
        .take(6)
        .map(|&(a, w)| Server {
            addr: format!("10.{a}.0.1:11211").into_bytes(),
            weight: u64::from(w) + 1,
        })
        .collect();
    // The heaviest of n servers gets at least 40 digests: never an empty continuum.
    let (c, points) = with_points(Continuum::build(list).unwrap());
    check(&c, &points, &input);
});
