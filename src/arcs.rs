//! How much of the hash ring each point, server or change of server file owns, counted exactly.
//!
//! In libketama's ring a key goes to the first point at or after its hash, wrapping to point
//! 0, so the point at index `i` owns the hashes in `(points[i-1], points[i]]`, and point 0
//! also owns everything past the last point; the other flavors shift those arcs by one hash or
//! cut the ring into buckets (`flavor::Lookup`). Keys hash uniformly onto the 2^32 values, so the number of hash values
//! a server owns, divided by 2^32, is exactly the share of keys it gets: no sampling needed.

use crate::continuum::Continuum;
use crate::flavor::{Lookup, BUCKETS};
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

/// The hash values each server of `c` owns, indexed like `c.servers()`: a key of each goes
/// to it. A bucketed ring (pecl memcache) sends `RING / 1024` of them through each bucket.
pub fn server_shares(c: &Continuum) -> Vec<u64> {
    let mut shares = vec![0; c.servers().len()];
    if bucketed(c) {
        for i in 0..c.points().len() {
            shares[c.owner(i)] += RING / u64::from(BUCKETS);
        }
        return shares;
    }
    let points: Vec<u32> = c.points().iter().map(|p| p.point).collect();
    for (i, len) in arc_lengths(&points).enumerate() {
        shares[c.owner(i)] += len;
    }
    shares
}

/// Where keys go when the ring `old` is replaced by `new`.
#[derive(Debug, PartialEq, Eq)]
pub struct Transfers {
    /// For every pair (server in `old`, server in `new`), by index, the hash values (out of
    /// [`RING`]) whose keys `old` sends to the first and `new` to the second; pairs owning
    /// nothing are left out.
    pub moves: BTreeMap<(usize, usize), u64>,
    /// Whether the count is exact: both rings hash keys alike. Otherwise the two hashes of a
    /// key are taken as independent, and each pair gets the product of the two servers'
    /// shares.
    pub exact: bool,
}

/// What replacing the ring `old` by `new` does to the keys: see [`Transfers`].
///
/// Where both rings hash keys alike, the points of both together cut the hash values into
/// intervals inside which neither ring changes its answer (each ring's points shifted to the
/// hashes that find them, by its lookup rule); the interval ending at a value `v` goes, in each
/// ring, where `v` itself goes. A bucketed ring answers by `hash % 1024` instead: each interval
/// of the other ring is counted bucket by bucket.
pub fn transfers(old: &Continuum, new: &Continuum) -> Transfers {
    let (o, n) = (old.flavor().recipe(), new.flavor().recipe());
    if o.key_name != n.key_name {
        return Transfers {
            moves: independent(old, new),
            exact: false,
        };
    }
    let moves = match (bucketed(old), bucketed(new)) {
        (false, false) => {
            let (a, b) = (ends(old), ends(new));
            let mut merged: Vec<u32> = a.into_iter().chain(b).collect();
            merged.sort_unstable();
            let mut moves = BTreeMap::new();
            for (&v, len) in merged.iter().zip(arc_lengths(&merged)) {
                if len == 0 {
                    continue;
                }
                if let (Some(x), Some(y)) = (owner_at(old, v), owner_at(new, v)) {
                    *moves.entry((x, y)).or_insert(0) += len;
                }
            }
            moves
        }
        (true, true) => {
            let mut moves = BTreeMap::new();
            for b in 0..BUCKETS {
                if let (Some(x), Some(y)) = (owner_at(old, b), owner_at(new, b)) {
                    *moves.entry((x, y)).or_insert(0) += RING / u64::from(BUCKETS);
                }
            }
            moves
        }
        (false, true) => against_buckets(old, new),
        (true, false) => against_buckets(new, old)
            .into_iter()
            .map(|((x, y), len)| ((y, x), len))
            .collect(),
    };
    Transfers { moves, exact: true }
}

/// Whether `c` answers by bucket (pecl memcache).
fn bucketed(c: &Continuum) -> bool {
    c.flavor().recipe().lookup == Lookup::Buckets
}

/// The server a key of hash `h` goes to in `c`.
fn owner_at(c: &Continuum, h: u32) -> Option<usize> {
    c.locate_hash(h).map(|i| c.owner(i))
}

/// The hash values at which `c`'s arcs end, ascending: its points, less one where its keys
/// take the first point after their hash. Not for a bucketed ring.
fn ends(c: &Continuum) -> Vec<u32> {
    let shift = match c.flavor().recipe().lookup {
        Lookup::AtOrAfter => 0,
        _ => 1,
    };
    let mut ends: Vec<u32> = c
        .points()
        .iter()
        .map(|p| p.point.wrapping_sub(shift))
        .collect();
    ends.sort_unstable();
    ends
}

/// `transfers` from the ring `ring` to the bucketed ring `buckets`: each arc of `ring` gives
/// its whole turns of 1024 hashes to every bucket alike, and the rest to the buckets of its
/// first hashes (a turn of 1024 divides the ring, so the residues run on across 2^32).
fn against_buckets(ring: &Continuum, buckets: &Continuum) -> BTreeMap<(usize, usize), u64> {
    let turn = u64::from(BUCKETS);
    let bucket_owner: Vec<usize> = (0..BUCKETS)
        .map(|b| owner_at(buckets, b).expect("a bucketed ring has its buckets"))
        .collect();
    let ends = ends(ring);
    let mut whole = vec![0u64; ring.servers().len()];
    let mut moves = BTreeMap::new();
    for (&end, len) in ends.iter().zip(arc_lengths(&ends)) {
        if len == 0 {
            continue;
        }
        let x = owner_at(ring, end).expect("a ring with arcs has points");
        whole[x] += len / turn;
        let first = (u64::from(end) + RING - len + 1) % RING;
        for k in 0..len % turn {
            let bucket = ((first + k) % turn) as usize;
            *moves.entry((x, bucket_owner[bucket])).or_insert(0) += 1;
        }
    }
    for (x, &turns) in whole.iter().enumerate().filter(|(_, &t)| t > 0) {
        for &y in &bucket_owner {
            *moves.entry((x, y)).or_insert(0) += turns;
        }
    }
    moves
}

/// The expected transfers between rings that hash keys independently: each pair gets the
/// product of the two servers' shares.
fn independent(old: &Continuum, new: &Continuum) -> BTreeMap<(usize, usize), u64> {
    let (a, b) = (server_shares(old), server_shares(new));
    let mut moves = BTreeMap::new();
    for (x, &sa) in a.iter().enumerate().filter(|(_, &s)| s > 0) {
        for (y, &sb) in b.iter().enumerate().filter(|(_, &s)| s > 0) {
            let product = (u128::from(sa) * u128::from(sb) / u128::from(RING)) as u64;
            if product > 0 {
                moves.insert((x, y), product);
            }
        }
    }
    moves
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::continuum::Server;

    /// The continuum of (address, weight) pairs.
    fn ring(servers: &[(&str, u64)]) -> Continuum {
        let servers = servers
            .iter()
            .map(|&(addr, weight)| Server::new(addr, weight));
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
        let moves = transfers(&old, &new).moves;
        let b_share = server_shares(&new)[1];
        assert_eq!(moves.get(&(0, 1)), Some(&b_share));
        assert_eq!(moves.get(&(0, 0)), Some(&(RING - b_share)));
        assert_eq!(moves.len(), 2);
        let back = transfers(&new, &old).moves;
        assert_eq!(back.get(&(1, 0)), Some(&b_share));
    }

    #[test]
    fn transfers_count_intervals_that_both_rings_answer_alike() {
        let old = ring(&[("a:1", 1), ("b:1", 2)]);
        let new = ring(&[("a:1", 1), ("c:1", 1)]);
        let moves = transfers(&old, &new).moves;
        assert_eq!(moves.values().sum::<u64>(), RING);
        let pair = |h: u32| {
            (
                old.owner(old.locate(h).unwrap()),
                new.owner(new.locate(h).unwrap()),
            )
        };
        let mut merged: Vec<u32> = old
            .points()
            .iter()
            .chain(new.points())
            .map(|p| p.point)
            .collect();
        merged.sort_unstable();
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
