//! The bucket index over a continuum's sorted points. The top bits of a hash pick a bucket,
//! which holds the index of the first point of its range: a lookup reads one table entry and
//! a couple of neighbouring points instead of the ~log2(n) scattered cache lines of a binary
//! search over the whole array. With at most one bucket per four points it costs at most 1
//! byte per point, and a bucket's points mostly share a cache line or two.

use crate::continuum::Point;

#[derive(Debug)]
pub struct BucketIndex {
    /// A hash's bucket is `hash >> shift` (taken in 64 bits: the shift may be 32).
    shift: u32,
    /// `starts[b]`: index of the first point at or above bucket `b`'s range; the last entry
    /// is the number of points.
    starts: Vec<u32>,
}

impl BucketIndex {
    /// The index of `points`, which are sorted.
    pub fn new(points: &[Point]) -> BucketIndex {
        let bits = (points.len() / 4).max(1).ilog2();
        let buckets = 1usize << bits;
        let shift = 32 - bits;
        let mut starts = Vec::with_capacity(buckets + 1);
        let mut i = 0;
        for b in 0..buckets as u64 {
            while i < points.len() && u64::from(points[i].point) < b << shift {
                i += 1;
            }
            starts.push(i as u32);
        }
        starts.push(points.len() as u32);
        BucketIndex { shift, starts }
    }

    /// Index of the first point at or after `hash`, wrapping to 0 past the last point.
    /// `points` are the ones the index was built from, and not empty.
    pub fn locate(&self, points: &[Point], hash: u32) -> usize {
        let b = (u64::from(hash) >> self.shift) as usize;
        let (lo, hi) = (self.starts[b] as usize, self.starts[b + 1] as usize);
        let i = lo + points[lo..hi].partition_point(|p| p.point < hash);
        if i == points.len() {
            0
        } else {
            i
        }
    }

    /// Bytes it occupies on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.starts.capacity() * std::mem::size_of::<u32>()
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
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for n in [1usize, 2, 3, 5, 64, 1000, 4099] {
            // Clustered values (duplicates, empty buckets) and uniform ones.
            for spread in [16u64, 1 << 20, 1 << 32] {
                let values: Vec<u32> = (0..n).map(|_| (next() % spread) as u32).collect();
                let pts = points(&values);
                let index = BucketIndex::new(&pts);
                let mut probes: Vec<u32> = pts.iter().map(|p| p.point).collect();
                probes.extend([0, 1, u32::MAX, u32::MAX - 1]);
                probes.extend((0..500).map(|_| (next() % (spread + 1)) as u32));
                for h in probes {
                    assert_eq!(index.locate(&pts, h), scan(&pts, h), "n {n} h {h}");
                }
                assert!(index.heap_bytes() <= 4 * ((n / 4).max(1) + 1));
            }
        }
    }
}
