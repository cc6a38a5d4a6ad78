//! How much of the hash ring each point, server or change of server file owns, counted exactly.
//!
//! A key goes to the first point at or after its hash, wrapping to point 0, so the point at
//! index `i` owns the hashes in `(points[i-1], points[i]]`, and point 0 also owns everything
//! past the last point. Keys hash uniformly onto the 2^32 values, so the number of hash values
//! a server owns, divided by 2^32, is exactly the share of keys it gets: no sampling needed.

use crate::continuum::Continuum;
use std::collections::BTreeMap;

/// Number of hash values on the ring.
pub const RING: u64 = 1 << 32;

/// The number of hash values each of `points` (sorted ascending) owns, in order. A point tied
/// with the one before it owns none. Over a non-empty list the lengths add up to [`RING`].
pub fn arc_lengths(points: &[u32]) -> impl Iterator<Item = u64> + '_ {
    let last = points.last().copied();
    points.iter().enumerate().map(move |(i, &p)| match i {
        0 => RING - u64::from(last.unwrap_or(p)) + u64::from(p),
        _ => u64::from(p - points[i - 1]),
    })
}

/// The hash values each server of `c` owns, indexed like `c.servers()`.
pub fn server_shares(c: &Continuum) -> Vec<u64> {
    let points: Vec<u32> = c.points().iter().map(|p| p.point).collect();
    let mut shares = vec![0; c.servers().len()];
    for (i, len) in arc_lengths(&points).enumerate() {
        shares[c.owner(i)] += len;
    }
    shares
}

/// For every pair (server in `old`, server in `new`), by index, the hash values that `old`
/// sends to the first and `new` to the second; pairs owning nothing are left out.
///
/// The points of both rings together cut the ring into intervals inside which neither ring
/// changes its answer; the interval ending at a merged point `v` goes, in each ring, where
/// `v` itself goes.
pub fn transfers(old: &Continuum, new: &Continuum) -> BTreeMap<(usize, usize), u64> {
    let merged = merged_points(old, new);
    let mut moves = BTreeMap::new();
    for (&v, len) in merged.iter().zip(arc_lengths(&merged)) {
        if len == 0 {
            continue;
        }
        if let (Some(o), Some(n)) = (old.locate(v), new.locate(v)) {
            *moves.entry((old.owner(o), new.owner(n))).or_insert(0) += len;
        }
    }
    moves
}

/// The point values of both rings, ascending.
fn merged_points(old: &Continuum, new: &Continuum) -> Vec<u32> {
    let mut merged: Vec<u32> = old
        .points()
        .iter()
        .chain(new.points())
        .map(|p| p.point)
        .collect();
    merged.sort_unstable();
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::continuum::Server;

    /// The continuum of (address, weight) pairs.
    fn ring(servers: &[(&str, u64)]) -> Continuum {
        let servers = servers.iter().map(|&(addr, weight)| Server {
            addr: addr.as_bytes().to_vec(),
            weight,
        });
        Continuum::build(servers.collect()).unwrap()
    }

    #[test]
    fn arcs_run_from_the_previous_point_and_wrap_to_the_first() {
        let arcs: Vec<u64> = arc_lengths(&[10, 20, 30]).collect();
        assert_eq!(arcs, [RING - 30 + 10, 10, 10]);
        assert_eq!(arc_lengths(&[7]).collect::<Vec<_>>(), [RING]);
        assert_eq!(arc_lengths(&[5, 5]).collect::<Vec<_>>(), [RING, 0]);
        assert_eq!(
            arc_lengths(&[0, u32::MAX]).collect::<Vec<_>>(),
            [1, RING - 1]
        );
        assert_eq!(arc_lengths(&[]).count(), 0);
    }

    #[test]
    fn server_shares_cover_the_ring_and_match_lookups_at_arc_ends() {
        let c = ring(&[("a:1", 3), ("b:1", 1), ("c:1", 2)]);
        let shares = server_shares(&c);
        assert_eq!(shares.iter().sum::<u64>(), RING);
        // Every arc's first and last hash go to the arc's point.
        let points: Vec<u32> = c.points().iter().map(|p| p.point).collect();
        for (i, len) in arc_lengths(&points).enumerate() {
            if len == 0 {
                continue;
            }
            let end = points[i];
            let start = (u64::from(end) + RING - len + 1) % RING;
            assert_eq!(c.locate(end), Some(i));
            assert_eq!(c.locate(start as u32), Some(i));
        }
    }

    #[test]
    fn duplicate_server_owns_nothing() {
        let c = ring(&[("a:1", 1), ("a:1", 1)]);
        assert_eq!(server_shares(&c), [RING, 0]);
    }

    #[test]
    fn adding_a_server_of_equal_weight_moves_exactly_its_share() {
        // With equal weights every server keeps 40 digests, so "a" keeps its points and the
        // only keys that move are those "b" now owns.
        let old = ring(&[("a:1", 5)]);
        let new = ring(&[("a:1", 5), ("b:1", 5)]);
        let moves = transfers(&old, &new);
        let b_share = server_shares(&new)[1];
        assert_eq!(moves.get(&(0, 1)), Some(&b_share));
        assert_eq!(moves.get(&(0, 0)), Some(&(RING - b_share)));
        assert_eq!(moves.len(), 2);
        let back = transfers(&new, &old);
        assert_eq!(back.get(&(1, 0)), Some(&b_share));
    }

    #[test]
    fn transfers_count_intervals_that_both_rings_answer_alike() {
        let old = ring(&[("a:1", 1), ("b:1", 2)]);
        let new = ring(&[("a:1", 1), ("c:1", 1)]);
        let moves = transfers(&old, &new);
        assert_eq!(moves.values().sum::<u64>(), RING);
        let pair = |h: u32| {
            (
                old.owner(old.locate(h).unwrap()),
                new.owner(new.locate(h).unwrap()),
            )
        };
        let merged = merged_points(&old, &new);
        for (&end, len) in merged.iter().zip(arc_lengths(&merged)) {
            if len == 0 {
                continue;
            }
            let start = ((u64::from(end) + RING - len + 1) % RING) as u32;
            assert_eq!(pair(start), pair(end), "interval {start}..={end}");
        }
        assert!(moves.contains_key(&(1, 1)) && moves.contains_key(&(0, 0)));
    }
}
