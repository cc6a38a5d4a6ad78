//! Arbitrary keys and hashes against continua of several shapes and against continua built
//! from the input, in libketama's ring and in a flavor the input picks: `server_for`, the
//! batched `servers_for` (SIMD MD5) and `locate` must agree with a plain linear scan of the
//! points under the flavor's lookup rule. And the search structure by itself, over points the
//! input chooses, in both of its layouts (whole points, and packed low halves with 2^16 buckets
//! or more): `locate`, `owner` and the batch's `prepare`/`finish` against the same scan. Both
//! built on as many threads and in as many pieces as the input says: the same continuum and
//! structure as on one.
#![no_main]

use arbitrary::Arbitrary;
use ketama::continuum::{BuildError, Continuum, Server, Total};
use ketama::flavor::{Flavor, Lookup, BUCKETS, BUCKET_STEP};
use ketama::hash::key_hash;
use ketama::index::{Search, GROUP};
use ketama::workers::Workers;
use ketama_fuzz::reference;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

#[derive(Arbitrary, Debug)]
struct Input {
    shape: u8,
    /// The flavor of the continuum built from `servers`, by its place in `Flavor::all`.
    flavor: u8,
    /// Threads and pieces of the builds from the input.
    split: u8,
    /// (address number, weight) of up to 6 servers; fixed shapes when empty.
    servers: Vec<(u8, u8)>,
    keys: Vec<Vec<u8>>,
    hashes: Vec<u32>,
    /// Points of a search structure built directly (none when empty).
    points: Vec<u32>,
}

fn servers(list: &[(&str, u64)]) -> Vec<Server> {
    list.iter()
        .map(|&(addr, weight)| Server::new(addr, weight))
        .collect()
}

fn with_points(c: Continuum) -> (Continuum, Vec<u32>) {
    let points = c.points().iter().map(|p| p.point).collect();
    (c, points)
}

/// One server; two with the same address (every point a tie); a server too light to get a
/// point; a fleet of mixed weights with long addresses; a fleet large enough for the packed
/// layout (1000 servers, 158,000 points).
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
            (0..1000)
                .map(|i| Server::new(format!("10.0.{}.{}:11211", i / 256, i % 256), 100 + i % 7))
                .collect(),
        ]
        .into_iter()
        .map(|s| with_points(Continuum::build(s).unwrap()))
        .collect()
    })
}

/// 1 to 3 threads, 1 to 9 pieces.
fn workers(input: &Input) -> Workers {
    Workers::new(
        1 + usize::from(input.split % 3),
        1 + usize::from(input.split / 3 % 9),
    )
}

fn check(c: &Continuum, points: &[u32], input: &Input) {
    let keys: Vec<&[u8]> = input.keys.iter().map(Vec::as_slice).collect();
    let mut batch = vec![None; keys.len()];
    c.servers_for(&keys, &mut batch);
    for (key, batched) in keys.iter().zip(batch) {
        let expected = reference::lookup(points, key);
        assert_eq!(c.locate(key_hash(key)), expected, "key {key:?}");
        let point = c.point_for_hash(key_hash(key)).map(std::ptr::from_ref);
        assert_eq!(
            point,
            expected.map(|i| &c.points()[i] as *const _),
            "key {key:?}"
        );
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

/// The search structure over `input.points`, with `1 + shape` servers owning them in turn, in
/// the packed layout for an even `shape` and the whole one for an odd.
fn check_search(input: &Input) {
    let packed = input.shape % 2 == 0;
    let servers = 1 + usize::from(input.shape);
    let mut keyed: Vec<u64> = input
        .points
        .iter()
        .enumerate()
        .map(|(i, &p)| u64::from(p) << 32 | (i % servers) as u64)
        .collect();
    keyed.sort_unstable();
    let points: Vec<u32> = keyed.iter().map(|&k| (k >> 32) as u32).collect();
    let n = points.len();
    let budget = if packed { 4 * n + (8 << 16) } else { 6 * n };
    let search = Search::new(&keyed, servers, budget, workers(input));
    assert_eq!(search.is_packed(), packed);
    let mut hashes = input.hashes.clone();
    for &p in &points {
        hashes.extend([p, p.wrapping_add(1), p.wrapping_sub(1)]);
    }
    let mut bounds = [(0, 0); GROUP];
    let mut out = [0; GROUP];
    for group in hashes.chunks(GROUP) {
        search.prepare(group, &mut bounds);
        search.finish(group, &bounds, &mut out[..group.len()]);
        for (&h, &batched) in group.iter().zip(&out) {
            let expected = reference::scan(&points, h).unwrap();
            assert_eq!(search.locate(h), expected, "hash {h}");
            assert_eq!(search.locate_beside(h, &points), expected, "hash {h}");
            let owner = (keyed[expected] & 0xffff_ffff) as usize;
            assert_eq!(search.owner(expected), owner, "owner of point {expected}");
            assert_eq!(batched, owner, "batch, hash {h}");
        }
    }
}

/// The server a key of hash `h` goes to in `c` by a linear scan of its points under its
/// flavor's rule (a point of a ring that takes the point at or before a hash carries the
/// server of the point before it: see `flavor::Lookup`).
fn scan_flavored(c: &Continuum, points: &[u32], h: u32) -> usize {
    let first_from = |v: u32| points.iter().position(|&p| p >= v).unwrap_or(0);
    match c.flavor().recipe().lookup {
        Lookup::AtOrAfter => c.owner(first_from(h)),
        Lookup::After => c.owner(points.iter().position(|&p| p > h).unwrap_or(0)),
        Lookup::AtOrBefore => {
            let last = points
                .iter()
                .rposition(|&p| p <= h)
                .unwrap_or(points.len() - 1);
            c.owner((last + 1) % points.len())
        }
        Lookup::Buckets => c.owner(first_from((h % BUCKETS) * BUCKET_STEP)),
    }
}

/// A flavored continuum: every lookup against the scan, for the input's keys and hashes.
fn check_flavored(c: &Continuum, input: &Input) {
    let points: Vec<u32> = c.points().iter().map(|p| p.point).collect();
    let keys: Vec<&[u8]> = input.keys.iter().map(Vec::as_slice).collect();
    let mut batch = vec![None; keys.len()];
    c.servers_for(&keys, &mut batch);
    for (key, batched) in keys.iter().zip(batch) {
        let expected = Some(scan_flavored(c, &points, c.key_hash(key)));
        assert_eq!(c.server_for(key), expected, "{} key {key:?}", c.flavor());
        assert_eq!(batched, expected, "{} batch key {key:?}", c.flavor());
    }
    for &h in &input.hashes {
        let near = points[h as usize % points.len()];
        for h in [h, near, near.wrapping_add(1), near.wrapping_sub(1)] {
            let at = c.locate_hash(h).unwrap();
            assert_eq!(c.owner(at), scan_flavored(c, &points, h), "hash {h}");
        }
    }
}

fuzz_target!(|input: Input| {
    if !input.points.is_empty() {
        check_search(&input);
    }
    if input.servers.is_empty() {
        let (c, points) = &shapes()[usize::from(input.shape) % shapes().len()];
        check(c, points, &input);
        return;
    }
    let list: Vec<Server> = input
        .servers
        .iter()
        .take(6)
        .map(|&(a, w)| Server::new(format!("10.{a}.0.1:11211").into_bytes(), u64::from(w) + 1))
        .collect();
    // The heaviest of n servers gets at least 40 digests: never an empty continuum.
    let (c, points) = with_points(Continuum::build(list.clone()).unwrap());
    check(&c, &points, &input);
    let counts: Vec<u32> = (0..list.len())
        .map(|i| c.server_info(i).unwrap().points / 4)
        .collect();
    let split = Continuum::build_on(list.clone(), Flavor::LIBKETAMA, &counts, workers(&input));
    assert_eq!(split.points(), c.points());
    for i in 0..points.len() {
        assert_eq!(split.owner(i), c.owner(i), "owner of point {i}");
    }
    check(&split, &points, &input);
    // The same servers in a flavor: a ring of its own, the same on any threads.
    let flavors: Vec<Flavor> = Flavor::all().collect();
    let flavor = flavors[usize::from(input.flavor) % flavors.len()].for_servers(&list);
    let flavored = match Continuum::build_flavor(list.clone(), flavor) {
        Ok(c) => c,
        // twemproxy refuses two servers of one name, as nutcracker does.
        Err(BuildError::SameName { .. }) => return,
        Err(err) => panic!("{flavor}: {err}"),
    };
    check_flavored(&flavored, &input);
    let inputs = flavor.inputs(&list, Total::Checked).unwrap();
    let split = Continuum::build_on(list, flavor, &inputs, workers(&input));
    assert_eq!(split.points(), flavored.points());
    for i in 0..split.points().len() {
        assert_eq!(split.owner(i), flavored.owner(i), "owner of point {i}");
    }
});
