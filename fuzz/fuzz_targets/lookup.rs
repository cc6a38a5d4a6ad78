//! Arbitrary keys and hashes against continua of several shapes: `server_for` and `locate`
//! must agree with a plain linear scan of the points.
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
        .map(|s| {
            let c = Continuum::build(s).unwrap();
            let points = c.points().iter().map(|p| p.point).collect();
            (c, points)
        })
        .collect()
    })
}

fuzz_target!(|input: Input| {
    let (c, points) = &shapes()[usize::from(input.shape) % shapes().len()];
    for key in &input.keys {
        let expected = reference::lookup(points, key);
        assert_eq!(c.locate(key_hash(key)), expected, "key {key:?}");
        assert_eq!(c.server_for(key), expected.map(|i| c.owner(i)));
    }
    for &h in &input.hashes {
        let near = points[h as usize % points.len()];
        for h in [h, near, near.wrapping_add(1), near.wrapping_sub(1)] {
            assert_eq!(c.locate(h), reference::scan(points, h), "hash {h}");
        }
    }
});
