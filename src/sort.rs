//! The sorting step of a build, shared by every flavor: `(point << 32 | server)` entries by
//! point and, among equal points, by server, in radix passes on the build's threads.

use crate::hints;
use crate::workers::{even_cuts, split_at, split_at_ref, Workers};

/// Points a bucket of `sort_by_point` holds on average, at most: 32 KB, which its sort reads
/// and writes in the core's L1 and L2 caches.
const SORT_BUCKET: usize = 4096;

/// Sorts `(point << 32 | server)` entries by point and, among equal points, by server: the
/// order of the original's sort, which is stable and sees the servers in order.
///
/// Two steps, each in `workers.pieces()` pieces, the second taking the pieces the first left:
/// - each piece of the input is grouped by the points' top bits into the same range of a
///   second array (a counting sort: a bucket a few thousand points on average, a few hundred
///   buckets for a million points, so that the writes go to as many places as the caches and
///   the TLB follow);
/// - each bucket, gathered from every piece, is sorted in cache by a least-significant-digit
///   radix sort of its points' other bits (digits of at most 8 bits, counted in one read),
///   written to its place in the result, and its runs of equal points (a few hundred among a
///   million) put in server order; a piece of the second step is a run of whole buckets.
///
/// On one thread the grouping costs more than it saves: [`sort_whole`] instead.
pub fn sort_by_point(mut keyed: Vec<u64>, workers: Workers) -> Vec<u64> {
    if workers.threads() == 1 {
        return sort_whole(keyed);
    }
    let n = keyed.len();
    let bits = (n / SORT_BUCKET).max(1).ilog2().min(12);
    let buckets = 1usize << bits;
    let bucket = |key: u64| ((key >> 32) >> (32 - bits)) as usize;
    let mut grouped = vec![0; n];
    hints::huge_pages(&grouped);
    let cuts = even_cuts(n, workers.pieces());
    // Where each bucket starts in each piece of `grouped` (the piece's own indices), and ends.
    let mut starts = vec![vec![0usize; buckets + 1]; cuts.len() + 1];
    let jobs: Vec<_> = split_at_ref(&keyed, &cuts)
        .into_iter()
        .zip(split_at(&mut grouped, &cuts))
        .zip(starts.iter_mut())
        .collect();
    workers.run(jobs, |((from, to), starts)| {
        for &key in from {
            starts[bucket(key) + 1] += 1;
        }
        for b in 0..buckets {
            starts[b + 1] += starts[b];
        }
        let mut next = starts.clone();
        for &key in from {
            let slot = &mut next[bucket(key)];
            to[*slot] = key;
            *slot += 1;
        }
    });

    // Where each bucket starts in the result; the pieces of the second step.
    let mut at = vec![0; buckets + 1];
    for b in 0..buckets {
        at[b + 1] = at[b] + starts.iter().map(|s| s[b + 1] - s[b]).sum::<usize>();
    }
    let firsts: Vec<usize> = cuts
        .iter()
        .map(|&point| at.partition_point(|&a| a < point))
        .collect();
    let cuts_out: Vec<usize> = firsts.iter().map(|&b| at[b]).collect();
    // Each piece of `grouped`: where it starts, and its buckets' starts.
    let pieces: Vec<(usize, &[usize])> = std::iter::once(0)
        .chain(cuts.iter().copied())
        .zip(starts.iter().map(Vec::as_slice))
        .collect();
    let jobs: Vec<_> = std::iter::once(0)
        .chain(firsts.iter().copied())
        .zip(firsts.iter().copied().chain([buckets]))
        .zip(split_at(&mut keyed, &cuts_out))
        .collect();
    workers.run(jobs, |((first, end), out)| {
        let (mut items, mut spare) = (Vec::new(), Vec::new());
        let mut out = out;
        for b in first..end {
            items.clear();
            for &(offset, s) in &pieces {
                items.extend_from_slice(&grouped[offset + s[b]..offset + s[b + 1]]);
            }
            let here;
            (here, out) = out.split_at_mut(items.len());
            sort_bucket(&mut items, &mut spare, here, 32 - bits);
        }
    });
    keyed
}
/// `sort_by_point` on one thread: a least-significant-digit radix sort of the whole array over
/// the points' 32 bits in three 11-bit digits (whose counts are taken in one read), then each
/// run of equal points sorted by server. Measured with `bench/roll.rs` on one thread, twice as
/// fast as grouping first at 1000 servers, and as fast at 10,000.
fn sort_whole(mut keyed: Vec<u64>) -> Vec<u64> {
    const BITS: u32 = 11;
    const RADIX: usize = 1 << BITS;
    const PASSES: usize = 3;
    let digit = |key: u64, pass: usize| ((key >> (32 + pass as u32 * BITS)) as usize) % RADIX;
    let mut starts = [[0usize; RADIX]; PASSES];
    for &key in &keyed {
        for (pass, counts) in starts.iter_mut().enumerate() {
            counts[digit(key, pass)] += 1;
        }
    }
    let mut other = vec![0u64; keyed.len()];
    hints::huge_pages(&other);
    for (pass, starts) in starts.iter_mut().enumerate() {
        let mut next = 0;
        for start in starts.iter_mut() {
            (*start, next) = (next, next + *start);
        }
        for &key in &keyed {
            let slot = &mut starts[digit(key, pass)];
            other[*slot] = key;
            *slot += 1;
        }
        std::mem::swap(&mut keyed, &mut other);
    }
    sort_ties(&mut keyed);
    keyed
}

/// Puts each run of equal points of the sorted `keyed` in server order.
fn sort_ties(keyed: &mut [u64]) {
    for run in keyed.chunk_by_mut(|a, b| a >> 32 == b >> 32) {
        if run.len() > 1 {
            run.sort_unstable();
        }
    }
}

/// Sorts `items`, the points of one bucket of `sort_by_point`, which share their bits above the
/// `low` lowest, into `out`, by point and then server. `spare` is room to work in.
fn sort_bucket(items: &mut [u64], spare: &mut Vec<u64>, out: &mut [u64], low: u32) {
    // A handful of points: sorting them whole costs less than counting digits.
    if items.len() < 64 {
        out.copy_from_slice(items);
        out.sort_unstable();
        return;
    }
    spare.resize(items.len(), 0);
    if low <= 24 {
        radix_sort::<3>(items, spare, out);
    } else {
        radix_sort::<4>(items, spare, out);
    }
    sort_ties(out);
}

/// Sorts `items` into `out` by the `8 * DIGITS` low bits of their points (stable: equal
/// points stay in the order of `items`), one 8-bit digit a pass, all digits counted in one
/// read. `spare` holds as many items.
fn radix_sort<const DIGITS: usize>(items: &mut [u64], spare: &mut [u64], out: &mut [u64]) {
    let digit = |key: u64, d: usize| usize::from((key >> (32 + 8 * d)) as u8);
    let mut starts = [[0u32; 256]; DIGITS];
    for &key in items.iter() {
        for (d, counts) in starts.iter_mut().enumerate() {
            counts[digit(key, d)] += 1;
        }
    }
    let (mut from, mut to) = (items, spare);
    for (d, starts) in starts.iter_mut().enumerate() {
        let mut next = 0;
        for start in starts.iter_mut() {
            (*start, next) = (next, next + *start);
        }
        let dest = if d + 1 == DIGITS { &mut *out } else { &mut *to };
        for &key in from.iter() {
            let slot = &mut starts[digit(key, d)];
            dest[*slot as usize] = key;
            *slot += 1;
        }
        std::mem::swap(&mut from, &mut to);
    }
}

/// Puts each run of equal points of the sorted `keyed` in the order of its servers' `ranks`.
pub fn ties_by(keyed: &mut [u64], ranks: &[u32]) {
    for run in keyed.chunk_by_mut(|a, b| a >> 32 == b >> 32) {
        if run.len() > 1 {
            run.sort_by_key(|&key| ranks[(key & 0xffff_ffff) as usize]);
        }
    }
}

/// Whether two servers have an equal point in the sorted `keyed`.
pub fn servers_share_a_point(keyed: &[u64]) -> bool {
    keyed.chunk_by(|a, b| a >> 32 == b >> 32).any(|run| {
        run.iter()
            .any(|&key| key & 0xffff_ffff != run[0] & 0xffff_ffff)
    })
}

/// Puts each run of equal points of the sorted `keyed` in the reverse order of its servers:
/// for the flavors whose later server wins a tie (see `flavor::Ties`).
pub fn later_first(keyed: &mut [u64]) {
    for run in keyed.chunk_by_mut(|a, b| a >> 32 == b >> 32) {
        run.reverse();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_orders_by_point_then_server() {
        let mut next = crate::xorshift::stream(0x9e37_79b9_7f4a_7c15);
        // Few distinct points, so ties are common; servers in any order, as the hashing step
        // leaves them.
        let keyed: Vec<u64> = (0..100_000u64)
            .map(|_| (next() % 5000) << 32 | (next() % 3000))
            .collect();
        // Points spread over the ring, a few of them equal.
        let spread: Vec<u64> = (0..300_000u64)
            .map(|_| (next() % (1 << 32)) << 32 | (next() % 3000))
            .collect();
        // All points in a few of the sort's buckets: the others are empty.
        let clustered: Vec<u64> = (0..50_000u64)
            .map(|_| (next() % 7) << 61 | (next() % (1 << 20)) << 32 | (next() % 100))
            .collect();
        let wide: Vec<u64> = (0..5000u64)
            .map(|i| (i * 2_654_435_761 % (1 << 32)) << 32 | (5000 - i))
            .collect();
        for keyed in [keyed, spread, clustered, wide, vec![7 << 32 | 1], vec![]] {
            let mut expected = keyed.clone();
            expected.sort_unstable();
            for workers in [Workers::ONE, Workers::new(2, 2), Workers::new(3, 64)] {
                assert_eq!(sort_by_point(keyed.clone(), workers), expected);
            }
        }
    }

    #[test]
    fn ties_by_orders_only_ties_by_rank() {
        let mut keyed = vec![1 << 32 | 4, 2 << 32, 2 << 32 | 1, 2 << 32 | 2, 7 << 32 | 1];
        ties_by(&mut keyed, &[2, 0, 1, 9, 9]);
        assert_eq!(
            keyed,
            vec![1 << 32 | 4, 2 << 32 | 1, 2 << 32 | 2, 2 << 32, 7 << 32 | 1]
        );
    }

    #[test]
    fn later_first_reverses_only_ties() {
        let mut keyed = vec![1 << 32 | 4, 2 << 32, 2 << 32 | 3, 2 << 32 | 9, 7 << 32 | 1];
        later_first(&mut keyed);
        assert_eq!(
            keyed,
            vec![1 << 32 | 4, 2 << 32 | 9, 2 << 32 | 3, 2 << 32, 7 << 32 | 1]
        );
    }
}
