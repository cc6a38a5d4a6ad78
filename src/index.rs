//! The search structure of a continuum, kept beside the `mcs` array that C reads: what a
//! lookup touches, as little of it as possible.
//!
//! The top bits of a hash pick a bucket, whose table entry is the index of the first point of
//! its range; the search then counts the bucket's points below the hash. Those points are not
//! read from the 28-byte `mcs` elements but from a compact array that holds, for each point,
//! what the comparison needs and its server:
//!
//! - a small continuum keeps each point's whole 32-bit value, and its server in 1, 2 or 4
//!   bytes apart ([`Whole`]);
//! - once there are 2^16 buckets or more, a bucket fixes its points' top 16 bits, so the low
//!   16 bits of a point decide the comparison: they share one 4-byte entry with the server
//!   ([`Packed`]). A continuum of 10,000 servers (1.58M points) then searches 6 MB instead of
//!   44, and a lookup's one cache miss in that array gives both the point and its server.
//!
//! Batches look up a group of hashes in two steps: `prepare` reads every hash's table entry and
//! asks for the cache lines of its points (a prefetch), and `finish`, called after the caller
//! has hashed the next group, searches them, by then in cache: the cache misses of a large
//! continuum overlap with the hashing instead of following it.

use crate::hints;
use crate::workers::{even_cuts, split_at, split_at_ref, Workers};

/// Most hashes one `prepare` and `finish` take: as many as `hash::BATCH` keys per multi-buffer
/// MD5 call, enough cache misses in flight to fill the CPU's miss buffers.
pub const GROUP: usize = crate::hash::BATCH;

/// The points of a hash's bucket, `lo..hi`, as `prepare` leaves them for `finish`.
pub type Bounds = [(usize, usize); GROUP];

/// The bucket table: entry `b` is the index of the first point at or above bucket `b`'s
/// range, the last entry the number of points. 2-byte entries while point indices fit.
#[derive(Debug, PartialEq, Eq)]
enum Starts {
    Short(Vec<u16>),
    Long(Vec<u32>),
}

impl Starts {
    /// Bytes per entry for a continuum of `points` points.
    fn entry_bytes(points: usize) -> usize {
        if points <= usize::from(u16::MAX) {
            2
        } else {
            4
        }
    }

    /// The table of `1 << bits` buckets over `len` points, zeroed, for `Search::fill`.
    fn zeroed(len: usize, bits: u32) -> Starts {
        let entries = (1 << bits) + 1;
        if Starts::entry_bytes(len) == 2 {
            Starts::Short(vec![0; entries])
        } else {
            Starts::Long(vec![0; entries])
        }
    }

    /// The table cut before each entry of `cuts`.
    fn split(&mut self, cuts: &[usize]) -> Vec<Table<'_>> {
        match self {
            Starts::Short(s) => split_at(s, cuts).into_iter().map(Table::Short).collect(),
            Starts::Long(s) => split_at(s, cuts).into_iter().map(Table::Long).collect(),
        }
    }

    /// The points of bucket `b`: `lo..hi`.
    #[inline]
    fn bounds(&self, b: usize) -> (usize, usize) {
        match self {
            Starts::Short(s) => (usize::from(s[b]), usize::from(s[b + 1])),
            Starts::Long(s) => (s[b] as usize, s[b + 1] as usize),
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Starts::Short(s) => s.capacity() * 2,
            Starts::Long(s) => s.capacity() * 4,
        }
    }
}

/// A piece of the bucket table, filled by one job of `Search::fill`.
enum Table<'a> {
    Short(&'a mut [u16]),
    Long(&'a mut [u32]),
}

impl Table<'_> {
    /// Fills the entries of a piece of the table, the first of which is entry `first`, from
    /// the points that lie in the piece's buckets, `keyed` (sorted), the first of which is
    /// point `at`: an entry is the index of the first of those points at or above its
    /// bucket, or the index past them where none is.
    fn fill(self, first: usize, shift: u32, keyed: &[u64], at: usize) {
        match self {
            Table::Short(t) => fill_table(t, first, shift, keyed, at, |i| i as u16),
            Table::Long(t) => fill_table(t, first, shift, keyed, at, |i| i as u32),
        }
    }
}

/// `Table::fill` for one entry type, `entry` converting an index (that fits: see
/// `Starts::entry_bytes`).
fn fill_table<T: Copy>(
    table: &mut [T],
    first: usize,
    shift: u32,
    keyed: &[u64],
    at: usize,
    entry: impl Fn(usize) -> T,
) {
    let mut next = 0;
    for (i, &key) in keyed.iter().enumerate() {
        let last = ((key >> 32) >> shift) as usize - first;
        if next <= last {
            table[next..=last].fill(entry(at + i));
            next = last + 1;
        }
    }
    table[next..].fill(entry(at + keyed.len()));
}

/// A server index stored in as few bytes as the number of servers needs.
pub trait Owner: Copy + Default + Send + Sync + 'static {
    /// The server of a `(point << 32 | server)` entry, truncated to this width.
    fn of(keyed: u64) -> Self;
    fn index(self) -> usize;
}

impl Owner for u8 {
    fn of(keyed: u64) -> u8 {
        keyed as u8
    }
    fn index(self) -> usize {
        usize::from(self)
    }
}

impl Owner for u16 {
    fn of(keyed: u64) -> u16 {
        keyed as u16
    }
    fn index(self) -> usize {
        usize::from(self)
    }
}

impl Owner for u32 {
    fn of(keyed: u64) -> u32 {
        keyed as u32
    }
    fn index(self) -> usize {
        self as usize
    }
}

/// What a search reads of each point: a key to compare with the hash, and the point's server.
trait Slots {
    /// Buckets of up to this many points are searched in a fixed window, without a branch
    /// that depends on the data; a binary search over one or two points mispredicts its loop
    /// about every other time.
    const WINDOW: usize;

    /// Number of points.
    fn len(&self) -> usize;

    /// How many of the points `lo..hi`, one bucket of the table, lie below `hash`.
    fn below(&self, lo: usize, hi: usize, hash: u32) -> usize;

    /// The server of point `i`.
    fn owner(&self, i: usize) -> usize;

    /// Asks for the cache lines that `below(lo, hi, _)` reads.
    fn prefetch(&self, lo: usize, hi: usize);

    fn heap_bytes(&self) -> usize;

    /// A piece of the arrays, filled by one job of `Search::fill`.
    type Part<'a>: Send
    where
        Self: 'a;

    /// The arrays of `len` points, zeroed: not written to until filled (see `zeroed`).
    fn zeroed(len: usize) -> Self;

    /// The arrays of the points `keyed`, on the calling thread.
    fn collect(keyed: &[u64]) -> Self;

    /// The arrays cut before each point of `cuts`.
    fn split(&mut self, cuts: &[usize]) -> Vec<Self::Part<'_>>;

    /// Fills a piece from its points, as `(point << 32 | server)`.
    fn fill(part: Self::Part<'_>, keyed: &[u64]);
}

/// Asks for the cache lines of `v[lo..hi]` that a search reads: the first and, in a bucket
/// that crosses into the next line, the last (both in `v`'s bounds or not asked for).
#[inline]
fn prefetch_range<T>(v: &[T], lo: usize, hi: usize) {
    if let Some(first) = v.get(lo) {
        hints::prefetch(first);
    }
    if let Some(last) = v.get(hi.saturating_sub(1)) {
        hints::prefetch(last);
    }
}

/// Each point's whole value, and its server apart.
#[derive(Debug, PartialEq, Eq)]
pub struct Whole<O> {
    keys: Vec<u32>,
    owners: Vec<O>,
}

impl<O: Owner> Slots for Whole<O> {
    const WINDOW: usize = 4;

    fn len(&self) -> usize {
        self.keys.len()
    }

    #[inline]
    fn below(&self, lo: usize, hi: usize, hash: u32) -> usize {
        // Points past the bucket are above `hash`: the window may run over them.
        match self.keys.get(lo..lo + Self::WINDOW) {
            Some(window) if hi - lo <= Self::WINDOW => {
                window.iter().map(|&k| usize::from(k < hash)).sum()
            }
            _ => self.keys[lo..hi].partition_point(|&k| k < hash),
        }
    }

    #[inline]
    fn owner(&self, i: usize) -> usize {
        self.owners[i].index()
    }

    #[inline]
    fn prefetch(&self, lo: usize, hi: usize) {
        prefetch_range(&self.keys, lo, hi.min(lo + Self::WINDOW));
    }

    fn heap_bytes(&self) -> usize {
        self.keys.capacity() * 4 + self.owners.capacity() * std::mem::size_of::<O>()
    }

    type Part<'a> = (&'a mut [u32], &'a mut [O]);

    fn zeroed(len: usize) -> Whole<O> {
        let whole = Whole {
            keys: vec![0; len],
            owners: vec![O::default(); len],
        };
        hints::huge_pages(&whole.keys);
        hints::huge_pages(&whole.owners);
        whole
    }

    fn split(&mut self, cuts: &[usize]) -> Vec<Self::Part<'_>> {
        split_at(&mut self.keys, cuts)
            .into_iter()
            .zip(split_at(&mut self.owners, cuts))
            .collect()
    }

    fn collect(keyed: &[u64]) -> Whole<O> {
        Whole {
            keys: hints::collect(keyed.iter().map(|&key| point_of(key))),
            owners: hints::collect(keyed.iter().map(|&key| O::of(key))),
        }
    }

    fn fill((keys, owners): Self::Part<'_>, keyed: &[u64]) {
        for ((k, o), &key) in keys.iter_mut().zip(owners).zip(keyed) {
            (*k, *o) = (point_of(key), O::of(key));
        }
    }
}

/// Each point as one entry: its low 16 bits in the high half (the table has at least 2^16
/// buckets, so a bucket's points share the rest), its server (fewer than 2^16) in the low half.
#[derive(Debug, PartialEq, Eq)]
pub struct Packed {
    entries: Vec<u32>,
}

impl Packed {
    /// The entry of a point given as `(point << 32 | server)`.
    #[inline]
    fn entry(key: u64) -> u32 {
        point_of(key) << 16 | (key & 0xffff) as u32
    }
}

/// The point of `(point << 32 | server)`.
#[inline]
fn point_of(key: u64) -> u32 {
    (key >> 32) as u32
}

/// Most servers `Packed` holds.
const PACKED_SERVERS: usize = 1 << 16;

/// Fewest table bits `Packed` works with.
const PACKED_BITS: u32 = 16;

impl Slots for Packed {
    /// Buckets hold about four points on average (see `Search::new`); more than 16 is rare.
    const WINDOW: usize = 16;

    fn len(&self) -> usize {
        self.entries.len()
    }

    #[inline]
    fn below(&self, lo: usize, hi: usize, hash: u32) -> usize {
        // An entry is below `probe` exactly when its low 16 bits are below the hash's: its
        // server sits below them. Entries past the bucket belong to higher buckets but have
        // any low bits, so the window counts only the first `hi - lo` of them.
        let probe = hash << 16;
        let n = hi - lo;
        match self.entries.get(lo..lo + Self::WINDOW) {
            Some(window) if n <= Self::WINDOW => window
                .iter()
                .enumerate()
                .map(|(j, &e)| usize::from((j < n) & (e < probe)))
                .sum(),
            _ => self.entries[lo..hi].partition_point(|&e| e < probe),
        }
    }

    #[inline]
    fn owner(&self, i: usize) -> usize {
        (self.entries[i] & 0xffff) as usize
    }

    #[inline]
    fn prefetch(&self, lo: usize, hi: usize) {
        prefetch_range(&self.entries, lo, hi.min(lo + Self::WINDOW));
    }

    fn heap_bytes(&self) -> usize {
        self.entries.capacity() * 4
    }

    type Part<'a> = &'a mut [u32];

    fn zeroed(len: usize) -> Packed {
        let packed = Packed {
            entries: vec![0; len],
        };
        hints::huge_pages(&packed.entries);
        packed
    }

    fn split(&mut self, cuts: &[usize]) -> Vec<&mut [u32]> {
        split_at(&mut self.entries, cuts)
    }

    fn collect(keyed: &[u64]) -> Packed {
        Packed {
            entries: hints::collect(keyed.iter().map(|&key| Packed::entry(key))),
        }
    }

    fn fill(entries: &mut [u32], keyed: &[u64]) {
        for (e, &key) in entries.iter_mut().zip(keyed) {
            *e = Packed::entry(key);
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Layout {
    Byte(Whole<u8>),
    Narrow(Whole<u16>),
    Wide(Whole<u32>),
    Packed(Packed),
}

/// Runs `$body` with `$s` bound to the layout's slots, whatever their type.
macro_rules! with_slots {
    ($layout:expr, $s:ident => $body:expr) => {
        match $layout {
            Layout::Byte($s) => $body,
            Layout::Narrow($s) => $body,
            Layout::Wide($s) => $body,
            Layout::Packed($s) => $body,
        }
    };
}

/// The search structure over a continuum's points.
#[derive(Debug, PartialEq, Eq)]
pub struct Search {
    /// A hash's bucket is `hash >> shift` (taken in 64 bits: the shift may be 32).
    shift: u32,
    starts: Starts,
    layout: Layout,
}

/// Whole layouts take up to two buckets a point, packed ones one per this many points: a
/// smaller table stays in a faster cache, and the packed window reads 16 points at no cost.
const PACKED_POINTS_PER_BUCKET: usize = 4;

impl Search {
    /// The structure over `keyed`, the points as `(point << 32 | server)` sorted by point, of
    /// a continuum of `servers` servers, in at most `budget` bytes where that allows one
    /// bucket (or with more than 2^16 servers, where the owners need 4 bytes a point: the table
    /// then keeps one bucket per 4 points).
    ///
    /// Packed where the budget pays for 2^16 buckets, with one bucket per
    /// `PACKED_POINTS_PER_BUCKET` points beyond that; whole otherwise, with up to two buckets a
    /// point.
    ///
    /// `workers` fill it: each piece of the ring (a range of buckets) on whichever thread is
    /// free.
    pub fn new(keyed: &[u64], servers: usize, budget: usize, workers: Workers) -> Search {
        let n = keyed.len();
        let entry = Starts::entry_bytes(n);
        // Most table entries `budget` leaves once each point takes `per_point` bytes.
        let table =
            |per_point: usize| (budget.saturating_sub(per_point * n) / entry).saturating_sub(1);
        if servers <= PACKED_SERVERS && table(4) >> PACKED_BITS > 0 {
            let wanted = (n / PACKED_POINTS_PER_BUCKET).max(1 << PACKED_BITS);
            return Search::fill(keyed, wanted.min(table(4)).ilog2(), workers, Layout::Packed);
        }
        let owner = match servers {
            0..=0x100 => 1,
            0x101..=0x1_0000 => 2,
            _ => 4,
        };
        let floor = if owner == 4 { n / 4 } else { 1 };
        let bits = table(4 + owner).max(floor).clamp(1, 2 * n.max(1)).ilog2();
        match owner {
            1 => Search::fill(keyed, bits, workers, Layout::Byte),
            2 => Search::fill(keyed, bits, workers, Layout::Narrow),
            _ => Search::fill(keyed, bits, workers, Layout::Wide),
        }
    }

    /// The structure of `1 << bits` buckets over `keyed` with the slots `S`, which `layout`
    /// wraps. On several threads the ring is cut into `workers.pieces()` pieces at bucket
    /// boundaries; a job fills the table entries of a piece's buckets and the slots of the
    /// points within them. On one, the slots are collected (written once: see `hints::collect`).
    fn fill<S: Slots>(
        keyed: &[u64],
        bits: u32,
        workers: Workers,
        layout: fn(S) -> Layout,
    ) -> Search {
        let shift = 32 - bits;
        let pieces = workers.pieces().min(1 << bits);
        // The first bucket of each piece but the first, and its first point.
        let firsts = even_cuts(1 << bits, pieces);
        let cuts: Vec<usize> = firsts
            .iter()
            .map(|&b| keyed.partition_point(|&key| ((key >> 32) >> shift) < b as u64))
            .collect();
        let mut starts = Starts::zeroed(keyed.len(), bits);
        if workers.threads() == 1 {
            for table in starts.split(&[]) {
                table.fill(0, shift, keyed, 0);
            }
            return Search {
                shift,
                starts,
                layout: layout(S::collect(keyed)),
            };
        }
        let mut slots = S::zeroed(keyed.len());
        let jobs: Vec<_> = (std::iter::once(0).chain(firsts.iter().copied()))
            .zip(std::iter::once(0).chain(cuts.iter().copied()))
            .zip(split_at_ref(keyed, &cuts))
            .zip(starts.split(&firsts).into_iter().zip(slots.split(&cuts)))
            .collect();
        workers.run(jobs, |(((first, at), keyed), (table, part))| {
            table.fill(first, shift, keyed, at);
            S::fill(part, keyed);
        });
        Search {
            shift,
            starts,
            layout: layout(slots),
        }
    }

    /// The points of the bucket of `hash`.
    #[inline]
    fn bounds(&self, hash: u32) -> (usize, usize) {
        self.starts.bounds((u64::from(hash) >> self.shift) as usize)
    }

    /// Index of the first point at or after `hash` in the bucket `lo..hi` of `hash`, wrapping
    /// to 0 past the last point.
    #[inline]
    fn find<S: Slots>(s: &S, (lo, hi): (usize, usize), hash: u32) -> usize {
        let i = lo + s.below(lo, hi, hash);
        if i == s.len() {
            0
        } else {
            i
        }
    }

    /// Index of the first point at or after `hash`, wrapping to 0 past the last point. The
    /// continuum is not empty.
    pub fn locate(&self, hash: u32) -> usize {
        let bounds = self.bounds(hash);
        with_slots!(&self.layout, s => Search::find(s, bounds, hash))
    }

    /// `locate`, asking first for the cache line of the element of `beside` (an array in the
    /// points' order: the `mcs` C reads) at the index the hash most likely finds: a bucket's
    /// points spread evenly over its range. The caller that reads that element next then waits
    /// for one cache miss at the same time as the search's, not after it.
    pub fn locate_beside<T>(&self, hash: u32, beside: &[T]) -> usize {
        let (lo, hi) = self.bounds(hash);
        let within = u64::from(hash) & ((1u64 << self.shift) - 1);
        let guess = lo + ((within * (hi - lo) as u64) >> self.shift) as usize;
        // The point found is within one of the guess most of the time: ask for the lines of
        // the elements on either side, which hold the guess's too (an element is smaller than a
        // line).
        for item in [beside.get(guess.saturating_sub(1)), beside.get(guess + 1)]
            .into_iter()
            .flatten()
        {
            hints::prefetch(item);
        }
        with_slots!(&self.layout, s => Search::find(s, (lo, hi), hash))
    }

    /// The server of point `i`.
    pub fn owner(&self, i: usize) -> usize {
        with_slots!(&self.layout, s => s.owner(i))
    }

    /// The first step of a batch of `hashes` (at most [`GROUP`]): the bounds of each one's
    /// bucket into `bounds`, and a prefetch of the points `finish` will read.
    pub fn prepare(&self, hashes: &[u32], bounds: &mut Bounds) {
        with_slots!(&self.layout, s => {
            for (b, &h) in bounds.iter_mut().zip(hashes) {
                *b = self.bounds(h);
                s.prefetch(b.0, b.1);
            }
        })
    }

    /// The second step: the server of each of `hashes` into `out`, as `owner(locate(h))`,
    /// from the `bounds` that `prepare` gave. The continuum is not empty.
    pub fn finish(&self, hashes: &[u32], bounds: &Bounds, out: &mut [usize]) {
        with_slots!(&self.layout, s => {
            for ((o, &b), &h) in out.iter_mut().zip(bounds).zip(hashes) {
                *o = s.owner(Search::find(s, b, h));
            }
        })
    }

    /// Bytes it occupies on the heap, the points' owners included.
    pub fn heap_bytes(&self) -> usize {
        self.starts.heap_bytes() + with_slots!(&self.layout, s => s.heap_bytes())
    }

    /// Whether the points are kept as packed entries (a large continuum).
    pub fn is_packed(&self) -> bool {
        matches!(self.layout, Layout::Packed(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `values` sorted, as `(point << 32 | server)` with made-up servers below `servers`.
    fn keyed(values: &[u32], servers: usize) -> Vec<u64> {
        let mut keyed: Vec<u64> = values
            .iter()
            .enumerate()
            .map(|(i, &v)| u64::from(v) << 32 | (i * 7919 % servers) as u64)
            .collect();
        keyed.sort_unstable();
        keyed
    }

    /// First point at or after `h`, wrapping: the definition (by binary search over the
    /// whole sorted array, which the structure never does).
    fn first_at_or_after(keyed: &[u64], h: u32) -> usize {
        match keyed.partition_point(|&k| ((k >> 32) as u32) < h) {
            i if i == keyed.len() => 0,
            i => i,
        }
    }

    /// Builds the structure and checks `locate`, `locate_beside`, `owner` and the batch steps
    /// at `probes`.
    fn check(keyed: &[u64], servers: usize, budget: usize, probes: &[u32]) -> Search {
        let search = Search::new(keyed, servers, budget, Workers::ONE);
        // Filled in pieces, on other threads: the same structure.
        for workers in [Workers::new(2, 3), Workers::new(3, 64)] {
            assert_eq!(Search::new(keyed, servers, budget, workers), search);
        }
        let mut out = vec![0; probes.len()];
        let mut bounds = [(0, 0); GROUP];
        for (hashes, out) in probes.chunks(GROUP).zip(out.chunks_mut(GROUP)) {
            search.prepare(hashes, &mut bounds);
            search.finish(hashes, &bounds, out);
        }
        for (&h, &batched) in probes.iter().zip(&out) {
            let i = first_at_or_after(keyed, h);
            assert_eq!(search.locate(h), i, "n {} h {h}", keyed.len());
            assert_eq!(search.locate_beside(h, keyed), i);
            assert_eq!(search.owner(i), (keyed[i] & 0xffff_ffff) as usize);
            assert_eq!(batched, search.owner(i), "batch, h {h}");
        }
        search
    }

    /// Every point, one above and one below it, the ends of the ring, and `random` more.
    fn probes(keyed: &[u64], random: impl Iterator<Item = u32>) -> Vec<u32> {
        let mut probes: Vec<u32> = keyed
            .iter()
            .flat_map(|&k| {
                let v = (k >> 32) as u32;
                [v, v.wrapping_add(1), v.wrapping_sub(1)]
            })
            .collect();
        probes.extend([0, 1, u32::MAX, u32::MAX - 1]);
        probes.extend(random);
        probes
    }

    /// Every budget and server width over `sizes` points, clustered and uniform.
    fn agrees_at_any_budget(seed: u64, sizes: &[usize]) {
        let mut next = crate::xorshift::stream(seed);
        for &n in sizes {
            // Clustered values (duplicates, empty buckets) and uniform ones.
            for spread in [16u64, 1 << 20, 1 << 32] {
                let values: Vec<u32> = (0..n).map(|_| (next() % spread) as u32).collect();
                for servers in [1, 200, 300, 70_000] {
                    let keyed = keyed(&values, servers);
                    let probes = probes(&keyed, (0..300).map(|_| (next() % (spread + 1)) as u32));
                    // From one bucket to two a point (whole), and packed for 70,000 points.
                    for budget in [0, n / 2, 3 * n, 64 * n] {
                        check(&keyed, servers, budget, &probes);
                    }
                }
            }
        }
    }

    #[test]
    fn agrees_with_the_definition_at_any_budget() {
        agrees_at_any_budget(0x2545_f491_4f6c_dd1d, &[1, 2, 3, 5, 64, 1000, 4099]);
    }

    /// The same at 70,000 points, whole and packed: 13 s of a debug build's make test (the
    /// packed layout is checked there by packed_agrees_with_the_definition).
    #[test]
    #[ignore = "long: make test-long"]
    fn agrees_with_the_definition_at_any_budget_on_70000_points() {
        agrees_at_any_budget(0x9e6c_63d0_676a_9a99, &[70_000]);
    }

    #[test]
    fn packed_agrees_with_the_definition() {
        let mut next = crate::xorshift::stream(0x9e37_79b9_7f4a_7c15);
        let n = 300_000;
        let budget = 8 * n;
        // Uniform points, as MD5 gives them.
        let uniform: Vec<u32> = (0..n).map(|_| next() as u32).collect();
        // Only every other bucket of the 2^16 holds points, about eight each: windows run over
        // the entries of the next bucket, whose low bits are anything.
        let sparse: Vec<u32> = (0..n)
            .map(|_| (next() as u32 % (1 << 15)) << 17 | next() as u32 & 0xffff)
            .collect();
        // Points sharing their low 16 bits across buckets, 60 ties each: full buckets.
        let ties: Vec<u32> = (0..n as u32).map(|i| (i % 5000) << 16 | 0x8000).collect();
        for values in [uniform, sparse, ties] {
            let keyed = keyed(&values, 60_000);
            let probes = probes(&keyed, (0..20_000).map(|_| next() as u32));
            let search = check(&keyed, 60_000, budget, &probes);
            assert!(search.is_packed());
            assert!(search.heap_bytes() <= budget);
        }
    }

    #[test]
    fn packed_only_within_its_limits() {
        let mut next = crate::xorshift::stream(0x9e37_79b9_7f4a_7c15);
        let values: Vec<u32> = (0..300_000).map(|_| next() as u32).collect();
        // A budget short of 2^16 buckets, or too many servers for a 2-byte owner.
        for (servers, budget) in [(60_000, 4 * 300_000 + (4 << 16)), (70_000, 16 * 300_000)] {
            let keyed = keyed(&values, servers);
            let probes = probes(&keyed[..1000], (0..1000).map(|_| next() as u32));
            assert!(!check(&keyed, servers, budget, &probes).is_packed());
        }
    }
}
