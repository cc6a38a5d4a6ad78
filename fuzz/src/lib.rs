//! The oracles the fuzz targets share: the reference transcription of SPEC (the same file the
//! hostile-input tests use) and the comparisons of the library's continua against it.

#[path = "../../tests/reference/mod.rs"]
pub mod reference;

use ketama::continuum::{Continuum, Server, Total, MAX_POINTS};
use reference::{Refusal, Sum};

/// Most points an input may ask the oracles for. The reference hashes as slowly as it can;
/// past this an execution would take milliseconds and the fuzzer would explore little.
pub const CHECKED_POINTS: u64 = 20_000;

/// The library's servers as the reference takes them.
pub fn as_reference(servers: &[Server]) -> Vec<reference::Server> {
    servers.iter().map(|s| (s.addr.clone(), s.weight)).collect()
}

/// Builds `servers`, their weights summed as `total` says, and checks the result against the
/// reference: both refuse (at the same server, where the original's behaviour is undefined),
/// or both give the same points, in the same order, owned by the same servers. `None` when
/// refused or too big to check.
pub fn check_build(servers: Vec<Server>, total: Total) -> Option<Continuum> {
    let plain = as_reference(&servers);
    let sum = match total {
        Total::Checked => Sum::Array,
        Total::Wrapping => Sum::File,
    };
    let count = reference::point_count(&plain, sum);
    if count.is_ok_and(|n| n > CHECKED_POINTS && n <= MAX_POINTS) {
        return None;
    }
    match (count, Continuum::build_with(servers, total)) {
        (Ok(n), Err(_)) if n > MAX_POINTS => None,
        (Err(Refusal::UndefinedAt(at)), Err(e)) => {
            assert_eq!(e.server(), Some(at), "refused ({e}) at another server");
            None
        }
        (Err(Refusal::Invalid), Err(_)) => None,
        (Ok(_), Ok(built)) => {
            let expected = reference::continuum(&plain, sum);
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
        (Err(refusal), Ok(_)) => panic!("built a continuum the reference refuses: {refusal:?}"),
        (Ok(n), Err(e)) => panic!("refused ({e}) where the reference makes {n} points"),
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
