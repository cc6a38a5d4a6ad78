//! The oracles the fuzz targets share: the reference transcription of SPEC (the same file the
//! hostile-input tests use) and the comparisons of the library's continua against it.

#[path = "../../tests/reference/mod.rs"]
pub mod reference;

use ketama::continuum::{Continuum, Server, MAX_POINTS};

/// Most points an input may ask the oracles for. The reference hashes as slowly as it can;
/// past this an execution would take milliseconds and the fuzzer would explore little.
pub const CHECKED_POINTS: u64 = 20_000;

/// The library's servers as the reference takes them.
pub fn as_reference(servers: &[Server]) -> Vec<reference::Server> {
    servers.iter().map(|s| (s.addr.clone(), s.weight)).collect()
}

/// Builds `servers` and checks the result against the reference: both refuse, or both give the
/// same points, in the same order, owned by the same servers. `None` when refused or too big
/// to check.
pub fn check_build(servers: Vec<Server>) -> Option<Continuum> {
    let plain = as_reference(&servers);
    let count = reference::point_count(&plain).filter(|&n| n <= MAX_POINTS);
    if count.is_some_and(|n| n > CHECKED_POINTS) {
        return None;
    }
    match (count, Continuum::build(servers)) {
        (None, Err(_)) => None,
        (Some(_), Ok(built)) => {
            let expected = reference::continuum(&plain);
            assert_eq!(built.points().len(), expected.len(), "number of points");
            for (i, &(point, server)) in expected.iter().enumerate() {
                assert_eq!(built.points()[i].point, point, "point {i}");
                assert_eq!(built.owner(i), server, "owner of point {i}");
                let addr = &plain[server].0;
                let n = addr.len().min(22);
                assert_eq!(&built.points()[i].ip[..n], &addr[..n], "ip of point {i}");
                assert!(built.points()[i].ip[n..].iter().all(|&b| b == 0));
            }
            Some(built)
        }
        (None, Ok(_)) => panic!("built a continuum the reference refuses"),
        (Some(n), Err(e)) => panic!("refused ({e}) where the reference makes {n} points"),
    }
}

/// Two continua are the same: same servers, same points, same owners.
pub fn assert_same(a: &Continuum, b: &Continuum) {
    assert_eq!(a.servers(), b.servers());
    assert_eq!(a.points(), b.points());
    for i in 0..a.points().len() {
        assert_eq!(a.owner(i), b.owner(i));
    }
}
