//! The bucket index over a continuum's sorted points. The top bits of a hash pick a bucket,
//! which holds the index of the first point of its range: a lookup reads one table entry and
//! a point or two next to each other, instead of the ~log2(n) scattered cache lines of a
//! binary search over the whole array. The table takes what the continuum's memory budget
//! leaves (up to two buckets a point), in 2-byte entries while point indices fit.

use crate::continuum::Point;

/// Buckets of up to this many points are searched without branches.
const WINDOW: usize = 4;

#[derive(Debug)]
enum Starts {
    Short(Vec<u16>),
    Long(Vec<u32>),
}

#[derive(Debug)]
pub struct BucketIndex {
    /// A hash's bucket is `hash >> shift` (taken in 64 bits: the shift may be 32).
    shift: u32,
    /// Entry `b`: index of the first point at or above bucket `b`'s range; the last entry is
    /// the number of points.
    starts: Starts,
}

impl BucketIndex {
    /// The index of `points`, which are sorted, in at most `budget` bytes (but at least one
    /// bucket).
    pub fn new(points: &[Point], budget: usize) -> BucketIndex {
        let short = points.len() <= usize::from(u16::MAX);
        let entry = if short { 2 } else { 4 };
        let most = (budget / entry)
            .saturating_sub(1)
            .clamp(1, 2 * points.len().max(1));
        let bits = most.ilog2();
        let shift = 32 - bits;
        let mut starts = Vec::with_capacity((1 << bits) + 1);
        let mut i = 0;
        for b in 0..1u64 << bits {
            while i < points.len() && u64::from(points[i].point) < b << shift {
                i += 1;
            }
            starts.push(i as u32);
        }
        starts.push(points.len() as u32);
        let starts = if short {
            Starts::Short(starts.iter().map(|&s| s as u16).collect())
        } else {
            Starts::Long(starts)
        };
        BucketIndex { shift, starts }
    }

    /// Index of the first point at or after `hash`, wrapping to 0 past the last point.
    /// `points` are the ones the index was built from, and not empty.
    pub fn locate(&self, points: &[Point], hash: u32) -> usize {
        let b = (u64::from(hash) >> self.shift) as usize;
        let (lo, hi) = match &self.starts {
            Starts::Short(s) => (usize::from(s[b]), usize::from(s[b + 1])),
            Starts::Long(s) => (s[b] as usize, s[b + 1] as usize),
        };
        // Points past the bucket are above `hash`, so counting the points below it in a fixed
        // window from `lo` needs no branch that depends on the bucket's size; a binary search
        // over one or two points mispredicts its loop about every other time.
        let i = if hi - lo <= WINDOW && lo + WINDOW <= points.len() {
            lo + points[lo..lo + WINDOW]
                .iter()
                .map(|p| usize::from(p.point < hash))
                .sum::<usize>()
        } else {
            lo + points[lo..hi].partition_point(|p| p.point < hash)
        };
        if i == points.len() {
            0
        } else {
            i
        }
    }

    /// Bytes it occupies on the heap.
    pub fn heap_bytes(&self) -> usize {
        match &self.starts {
            Starts::Short(s) => s.capacity() * 2,
            Starts::Long(s) => s.capacity() * 4,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(values: &[u32]) -> Vec<Point> {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        sorted
            .iter()
            .map(|&point| Point::new(point, [0; 22]))
            .collect()
    }

    /// First point at or after `h`, wrapping: the definition, by linear scan.
    fn scan(points: &[Point], h: u32) -> usize {
        points.iter().position(|p| p.point >= h).unwrap_or(0)
    }

    #[test]
    fn agrees_with_a_linear_scan() {
        let mut next = crate::xorshift::stream(0x2545_f491_4f6c_dd1d);
        for n in [1usize, 2, 3, 5, 64, 1000, 4099, 70_000] {
            // Clustered values (duplicates, empty buckets) and uniform ones.
            for spread in [16u64, 1 << 20, 1 << 32] {
                let values: Vec<u32> = (0..n).map(|_| (next() % spread) as u32).collect();
                let pts = points(&values);
                // From one bucket to two a point; 2-byte entries up to 65,535 points.
                for budget in [0, n / 2, 3 * n, 64 * n] {
                    let index = BucketIndex::new(&pts, budget);
                    let mut probes: Vec<u32> =
                        pts.iter().step_by(n / 1000 + 1).map(|p| p.point).collect();
                    probes.extend([0, 1, u32::MAX, u32::MAX - 1]);
                    probes.extend((0..300).map(|_| (next() % (spread + 1)) as u32));
                    for &h in &probes {
                        assert_eq!(index.locate(&pts, h), scan(&pts, h), "n {n} h {h}");
                    }
                    assert!(index.heap_bytes() <= budget.max(8), "n {n} budget {budget}");
                }
            }
        }
    }
}
