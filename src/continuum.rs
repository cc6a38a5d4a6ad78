//! The continuum: every server's points on the 32-bit ring, sorted, and the lookup of a key.
//!
//! The number of points per server is computed with the original's mix of single and double
//! precision, because a pure-f32 or pure-f64 formula gives a different count for some weights
//! and so moves keys.

use crate::hash;
use crate::hints;
use crate::index::{Bounds, Search, GROUP};
use crate::workers::{even_cuts, split_at, split_at_ref, Workers};
use crate::zeroed;
use std::collections::BTreeMap;
use std::ffi::{CStr, CString};
use std::fmt;

/// Bytes of the address kept beside each point (`mcs.ip`).
pub const IP_LEN: usize = 22;

/// Most points a continuum may have. Each server gets about 160, so a 16 MiB file of
/// four-byte lines (`a 1\n`) asks for 670 million, some 27 GB to build: it would take the
/// process down. 2^24 points is over 100,000 equal servers and some 700 MB at the peak.
pub const MAX_POINTS: u64 = 1 << 24;

/// One point on the ring, laid out as the C `mcs` it is handed out as. The two padding bytes
/// are a real, zeroed field so that `%s` on a 22-byte `ip` stops inside the element.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    pub point: u32,
    pub ip: [u8; IP_LEN],
    pad: [u8; 2],
}

impl Point {
    /// A point of the server whose `mcs.ip` is `ip`.
    pub fn new(point: u32, ip: [u8; IP_LEN]) -> Point {
        Point {
            point,
            ip,
            pad: [0; 2],
        }
    }
}

/// A server as a continuum is built from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    pub addr: Vec<u8>,
    pub weight: u64,
}

/// How a continuum sums its servers' weights. A server file sums them as the original does,
/// in an `unsigned long` that wraps around past `ULONG_MAX` (a negative weight in a file is
/// already such an `unsigned long`, just below 2^64); the in-memory API takes weights as the
/// numbers they are and refuses a sum that does not fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Total {
    Checked,
    Wrapping,
}

/// Why a server list cannot make a continuum. Two errors are where the original's arithmetic
/// is undefined, which a server file whose total wrapped around past `ULONG_MAX` always
/// reaches: `CountUndefined`, where it converts a server's `floorf(...)` to an `unsigned int`
/// that cannot hold it (2^32 or more, or the infinity of a total of 0), and `PastTheArray`,
/// where the points up to a server pass the `160 * n` its array holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BuildError {
    NoServers,
    EmptyAddress {
        index: usize,
    },
    NulInAddress {
        index: usize,
    },
    ZeroWeight {
        index: usize,
    },
    TotalOverflow,
    TooManyPoints,
    CountUndefined {
        index: usize,
        addr: Vec<u8>,
        weight: u64,
        total: u64,
        wrapped: bool,
    },
    PastTheArray {
        index: usize,
        addr: Vec<u8>,
        points: u64,
        total: u64,
        wrapped: bool,
    },
}

impl BuildError {
    /// The index of the server the error is about, when it is about one.
    pub fn server(&self) -> Option<usize> {
        match *self {
            BuildError::EmptyAddress { index }
            | BuildError::NulInAddress { index }
            | BuildError::ZeroWeight { index }
            | BuildError::CountUndefined { index, .. }
            | BuildError::PastTheArray { index, .. } => Some(index),
            BuildError::NoServers | BuildError::TotalOverflow | BuildError::TooManyPoints => None,
        }
    }
}

/// What the total of the weights is, and how it came to be so small.
fn total_was(total: u64, wrapped: bool) -> String {
    if wrapped {
        format!(
            "the weights add up to only {total}, their sum having wrapped around past ULONG_MAX"
        )
    } else {
        format!("the weights add up to {total}")
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::NoServers => write!(f, "no servers given"),
            BuildError::EmptyAddress { index } => {
                write!(f, "server {index} has no address")
            }
            BuildError::NulInAddress { index } => {
                write!(f, "server {index} has a NUL byte in its address")
            }
            BuildError::ZeroWeight { index } => write!(f, "server {index} has weight 0"),
            BuildError::TotalOverflow => {
                write!(f, "the weights add up to more than an unsigned long holds")
            }
            BuildError::TooManyPoints => {
                write!(
                    f,
                    "more than {MAX_POINTS} points, or more servers than an int counts"
                )
            }
            BuildError::CountUndefined { addr, total: 0, .. } => write!(
                f,
                "the weights add up to 0, their sum having wrapped around past ULONG_MAX to a \
                 multiple of 2^64, so the share of server \"{}\" is a division by zero; \
                 the original's behaviour is undefined there",
                String::from_utf8_lossy(addr)
            ),
            BuildError::CountUndefined {
                addr,
                weight,
                total,
                wrapped,
                ..
            } => write!(
                f,
                "server \"{}\" of weight {weight} would get 2^32 digests or more, more than \
                 the original counts in an unsigned int: {}",
                String::from_utf8_lossy(addr),
                total_was(*total, *wrapped)
            ),
            BuildError::PastTheArray {
                addr,
                points,
                total,
                wrapped,
                ..
            } => write!(
                f,
                "the servers up to \"{}\" would get {points} points, more than the original's \
                 array holds (160 a server): {}",
                String::from_utf8_lossy(addr),
                total_was(*total, *wrapped)
            ),
        }
    }
}

/// How many MD5 digests (4 points each) a server gets: the original's
/// `floorf(pct * 40.0 * (float)n)` with `pct` a float, the product taken in double. `None`
/// where the original's conversion of that float to an `unsigned int` is undefined: at
/// 2^32 and above, and for the infinity a total of 0 gives.
pub fn digests_for(weight: u64, total: u64, servers: usize) -> Option<u32> {
    let pct = weight as f32 / total as f32;
    let product = f64::from(pct) * 40.0 * f64::from(servers as f32);
    let digests = (product as f32).floor();
    (0.0..4_294_967_296.0)
        .contains(&digests)
        .then_some(digests as u32)
}

/// The digests of each server, after every check the original's arithmetic needs: the
/// weights summed as `total` says, each server's count defined, and all of them within the
/// original's array of `160 * n` points, then within `MAX_POINTS`. The servers are judged
/// in order, as the original's loop meets them.
pub fn digest_counts(servers: &[Server], total: Total) -> Result<Vec<u32>, BuildError> {
    if servers.is_empty() {
        return Err(BuildError::NoServers);
    }
    // Server indices are handed to C as an int.
    if servers.len() > i32::MAX as usize {
        return Err(BuildError::TooManyPoints);
    }
    let (mut sum, mut wrapped) = (0u64, false);
    for (index, s) in servers.iter().enumerate() {
        if s.addr.is_empty() {
            return Err(BuildError::EmptyAddress { index });
        }
        if s.addr.contains(&0) {
            return Err(BuildError::NulInAddress { index });
        }
        if s.weight == 0 {
            return Err(BuildError::ZeroWeight { index });
        }
        let (next, over) = sum.overflowing_add(s.weight);
        if over && total == Total::Checked {
            return Err(BuildError::TotalOverflow);
        }
        (sum, wrapped) = (next, wrapped || over);
    }
    let room = 160 * servers.len() as u64;
    let mut points = 0u64;
    let mut counts = Vec::with_capacity(servers.len());
    for (index, s) in servers.iter().enumerate() {
        let Some(digests) = digests_for(s.weight, sum, servers.len()) else {
            return Err(BuildError::CountUndefined {
                index,
                addr: s.addr.clone(),
                weight: s.weight,
                total: sum,
                wrapped,
            });
        };
        points += 4 * u64::from(digests);
        if points > room {
            return Err(BuildError::PastTheArray {
                index,
                addr: s.addr.clone(),
                points,
                total: sum,
                wrapped,
            });
        }
        counts.push(digests);
    }
    if points > MAX_POINTS {
        return Err(BuildError::TooManyPoints);
    }
    Ok(counts)
}

/// The memory a continuum may take per point, all included.
pub const BYTES_PER_POINT: usize = 36;

/// Heap bytes of a server list.
fn server_list_bytes(servers: &[Server]) -> usize {
    servers.iter().map(|s| s.addr.capacity()).sum::<usize>() + std::mem::size_of_val(servers)
}

/// One server of a continuum as a caller that got an index back sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerInfo<'a> {
    /// The whole address, as a C string (an address cannot hold a NUL byte).
    pub addr: &'a CStr,
    /// The weight it was given.
    pub weight: u64,
    /// Its points on the ring: four a digest, 0 for a server too light to get one.
    pub points: u32,
}

/// What a continuum keeps of each server for `server_info`: the address as C reads it
/// and the number of points it got.
#[derive(Debug)]
struct ServerExtra {
    c_addr: CString,
    points: u32,
}

/// Heap bytes of the per-server extras.
fn extras_bytes(extras: &[ServerExtra]) -> usize {
    extras
        .iter()
        .map(|e| e.c_addr.as_bytes_with_nul().len())
        .sum::<usize>()
        + std::mem::size_of_val(extras)
}

/// An immutable continuum: points sorted ascending (ties in server order), and the search
/// structure that finds a hash's point and gives each point's server.
#[derive(Debug)]
pub struct Continuum {
    points: Vec<Point>,
    index: Search,
    servers: Vec<Server>,
    extras: Vec<ServerExtra>,
}

/// Hash inputs prepared per multi-buffer batch while building.
const BUILD_BATCH: usize = 1024;

impl Continuum {
    /// Builds the continuum of `servers`, in their order, refusing weights whose sum does not
    /// fit in 64 bits: what the in-memory API does.
    pub fn build(servers: Vec<Server>) -> Result<Continuum, BuildError> {
        Continuum::build_with(servers, Total::Checked)
    }

    /// Builds the continuum of `servers`, in their order, with the weights summed as `total`
    /// says: `Total::Wrapping` for a server file, as the original sums it.
    pub fn build_with(mut servers: Vec<Server>, total: Total) -> Result<Continuum, BuildError> {
        servers.shrink_to_fit();
        let counts = digest_counts(&servers, total)?;
        let npoints: u64 = counts.iter().map(|&k| 4 * u64::from(k)).sum();

        Ok(Continuum::build_on(
            servers,
            &counts,
            Workers::for_points(npoints as usize),
        ))
    }

    /// The continuum of `servers` with `counts[i]` digests for server `i` (`digest_counts`),
    /// built by `workers`: `hash_points`, `sort_by_point`, `from_sorted`. Public so that tests
    /// and `bench/roll.rs` can choose the threads; what it builds is the same on any.
    pub fn build_on(servers: Vec<Server>, counts: &[u32], workers: Workers) -> Continuum {
        let keyed = sort_by_point(hash_points(&servers, counts, workers), workers);
        Continuum::from_sorted(servers, counts, keyed, workers)
    }

    /// The continuum of `servers` with `counts[i]` digests for server `i`, from their points
    /// as `(point << 32 | server)` sorted by point (`hash_points`, then `sort_by_point`): the
    /// `mcs` array C reads and the search structure. The last step of `build`, public so that
    /// `bench/roll.rs` can time each step of a roll. `workers` fill the arrays, each a piece
    /// of them.
    pub fn from_sorted(
        servers: Vec<Server>,
        counts: &[u32],
        keyed: Vec<u64>,
        workers: Workers,
    ) -> Continuum {
        let ips: Vec<[u8; IP_LEN]> = servers.iter().map(|s| ip_of(&s.addr)).collect();
        let point = |key: u64| Point::new((key >> 32) as u32, ips[(key & 0xffff_ffff) as usize]);
        let points = if workers.threads() == 1 {
            hints::collect(keyed.iter().map(|&key| point(key)))
        } else {
            let mut points: Vec<Point> = zeroed::vec(keyed.len());
            hints::huge_pages(&points);
            let cuts = even_cuts(keyed.len(), workers.pieces());
            let jobs: Vec<_> = split_at(&mut points, &cuts)
                .into_iter()
                .zip(split_at_ref(&keyed, &cuts))
                .collect();
            workers.run(jobs, |(points, keyed)| {
                for (p, &key) in points.iter_mut().zip(keyed) {
                    *p = point(key);
                }
            });
            points
        };
        let extras: Vec<ServerExtra> = servers
            .iter()
            .zip(counts)
            .map(|(s, &digests)| ServerExtra {
                c_addr: CString::new(s.addr.clone()).expect("NUL bytes were refused above"),
                points: 4 * digests,
            })
            .collect();
        let used = points.capacity() * std::mem::size_of::<Point>()
            + server_list_bytes(&servers)
            + extras_bytes(&extras);
        let index = Search::new(
            &keyed,
            servers.len(),
            (BYTES_PER_POINT * points.len()).saturating_sub(used),
            workers,
        );
        Continuum {
            points,
            index,
            servers,
            extras,
        }
    }

    /// The points, ascending.
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// The servers, in the order the continuum was built from.
    pub fn servers(&self) -> &[Server] {
        &self.servers
    }

    /// Server `index` (in the order the continuum was built from), `None` past the last.
    pub fn server_info(&self, index: usize) -> Option<ServerInfo<'_>> {
        let (server, extra) = (self.servers.get(index)?, &self.extras[index]);
        Some(ServerInfo {
            addr: &extra.c_addr,
            weight: server.weight,
            points: extra.points,
        })
    }

    /// Index (into `points`) of the first point at or after `hash`, wrapping past the last
    /// point to the first; `None` when there are no points.
    pub fn locate(&self, hash: u32) -> Option<usize> {
        if self.points.is_empty() {
            return None;
        }
        Some(self.index.locate(hash))
    }

    /// The first point at or after `hash`, as `locate` finds it, for a caller about to read
    /// it (`ketama_get_server`): its cache line is asked for while the search runs.
    pub fn point_at_or_after(&self, hash: u32) -> Option<&Point> {
        if self.points.is_empty() {
            return None;
        }
        Some(&self.points[self.index.locate_beside(hash, &self.points)])
    }

    /// The server (its index in `servers`) that owns the point at `index`.
    pub fn owner(&self, index: usize) -> usize {
        self.index.owner(index)
    }

    /// The server a key maps to, as its index in `servers`.
    pub fn server_for(&self, key: &[u8]) -> Option<usize> {
        self.locate(hash::key_hash(key)).map(|i| self.owner(i))
    }

    /// The servers of many keys: `out[i]` gets what `server_for(keys[i])` gives. `out` is at
    /// least as long as `keys`.
    ///
    /// The keys are hashed in groups, in SIMD lanes, and the lookups of one group overlap the
    /// hashing of the next: a group's points are asked for (`Search::prepare`) before the next
    /// group is hashed, and searched (`Search::finish`) after, by then in cache.
    pub fn servers_for(&self, keys: &[&[u8]], out: &mut [Option<usize>]) {
        let out = &mut out[..keys.len()];
        if self.points.is_empty() {
            out.fill(None);
            return;
        }
        let mut digests = [[0u8; 16]; GROUP];
        // The group being hashed and the one before it, whose points are on their way.
        let mut hashes = [[0u32; GROUP]; 2];
        let mut bounds = [[(0, 0); GROUP]; 2];
        let mut pending: Option<&mut [Option<usize>]> = None;
        for (g, (keys, out)) in keys.chunks(GROUP).zip(out.chunks_mut(GROUP)).enumerate() {
            let (now, before) = (g % 2, (g + 1) % 2);
            hash::md5_each(keys, &mut digests);
            for (h, digest) in hashes[now].iter_mut().zip(&digests) {
                *h = hash::words(digest)[0];
            }
            self.index
                .prepare(&hashes[now][..keys.len()], &mut bounds[now]);
            if let Some(out) = pending.take() {
                self.finish(&hashes[before], &bounds[before], out);
            }
            pending = Some(out);
        }
        if let Some(out) = pending {
            let last = (keys.len() - 1) / GROUP % 2;
            self.finish(&hashes[last], &bounds[last], out);
        }
    }

    /// `Search::finish` into `out`, one group of a batch.
    fn finish(&self, hashes: &[u32; GROUP], bounds: &Bounds, out: &mut [Option<usize>]) {
        let mut found = [0; GROUP];
        let n = out.len();
        self.index.finish(&hashes[..n], bounds, &mut found[..n]);
        for (o, &server) in out.iter_mut().zip(&found) {
            *o = Some(server);
        }
    }

    /// Bytes the continuum occupies on the heap, per point (the C-visible points included).
    pub fn bytes_per_point(&self) -> f64 {
        let bytes = self.points.capacity() * std::mem::size_of::<Point>()
            + self.index.heap_bytes()
            + server_list_bytes(&self.servers)
            + extras_bytes(&self.extras);
        bytes as f64 / self.points.len().max(1) as f64
    }
}

/// The points of `servers`, `counts[i]` digests of four points for server `i`, as
/// `(point << 32 | server)`, in no particular order: the MD5 step of a build. The list is cut into `workers.pieces()` runs of servers with about as many points
/// each, each hashed into its own part of the result. The inputs `"<address>-<k>"` are hashed
/// in multi-buffer batches of equal length, which md5-many hashes with its fastest kernels.
pub fn hash_points(servers: &[Server], counts: &[u32], workers: Workers) -> Vec<u64> {
    let npoints = counts.iter().map(|&k| 4 * k as usize).sum();
    let mut keyed = vec![0; npoints];
    hints::huge_pages(&keyed);
    // The first server of each run but the first, and the first point of its run.
    let (mut firsts, mut cuts) = (Vec::new(), Vec::new());
    let (pieces, mut before) = (workers.pieces(), 0);
    for (k, &digests) in counts.iter().enumerate() {
        if k > 0 && cuts.len() + 1 < pieces && before * pieces >= (cuts.len() + 1) * npoints {
            firsts.push(k);
            cuts.push(before);
        }
        before += 4 * digests as usize;
    }
    let runs = std::iter::once(0)
        .chain(firsts.iter().copied())
        .zip(firsts.iter().copied().chain([servers.len()]));
    let jobs: Vec<_> = runs.zip(split_at(&mut keyed, &cuts)).collect();
    workers.run(jobs, |((first, end), out)| {
        hash_run(&servers[first..end], &counts[first..end], first, out);
    });
    keyed
}

/// `hash_points` for the servers `first..` of a continuum, `servers`, into `out`.
fn hash_run(servers: &[Server], counts: &[u32], first: usize, out: &mut [u64]) {
    // By input length. A server's inputs have one length per number of digits of `k`.
    let mut queues: BTreeMap<usize, Inputs> = BTreeMap::new();
    let mut filled = 0;
    for (owner, (server, &digests)) in (first..).zip(servers.iter().zip(counts)) {
        let mut k = 0;
        while k < digests {
            let width = k.checked_ilog10().unwrap_or(0) + 1;
            let same_width = digests.min(10u32.saturating_pow(width));
            let len = server.addr.len() + 1 + width as usize;
            let queue = queues.entry(len).or_insert_with(|| Inputs::new(len));
            for k in k..same_width {
                queue.push(&server.addr, k, owner as u32);
                if queue.owners.len() == BUILD_BATCH {
                    filled = queue.hash_into(out, filled);
                }
            }
            k = same_width;
        }
    }
    for queue in queues.values_mut() {
        filled = queue.hash_into(out, filled);
    }
    assert_eq!(filled, out.len(), "every point of the run hashed");
}

/// `"<address>-<k>"` strings of one length, with the server of each, until hashed.
struct Inputs {
    len: usize,
    bytes: Vec<u8>,
    owners: Vec<u32>,
    digests: Vec<[u8; 16]>,
}

impl Inputs {
    fn new(len: usize) -> Inputs {
        Inputs {
            len,
            bytes: Vec::with_capacity(len * BUILD_BATCH),
            owners: Vec::with_capacity(BUILD_BATCH),
            digests: vec![[0; 16]; BUILD_BATCH],
        }
    }

    fn push(&mut self, addr: &[u8], k: u32, owner: u32) {
        self.bytes.extend_from_slice(addr);
        self.bytes.push(b'-');
        push_decimal(&mut self.bytes, k);
        self.owners.push(owner);
    }

    /// Hashes the inputs, writes their four points each to `out` from `filled` on, empties
    /// the queue, and returns how much of `out` is filled now.
    fn hash_into(&mut self, out: &mut [u64], filled: usize) -> usize {
        let inputs: Vec<&[u8]> = self.bytes.chunks_exact(self.len).collect();
        hash::md5_each(&inputs, &mut self.digests);
        let n = 4 * self.owners.len();
        for (points, (digest, &owner)) in out[filled..filled + n]
            .chunks_exact_mut(4)
            .zip(self.digests.iter().zip(&self.owners))
        {
            for (p, point) in points.iter_mut().zip(hash::words(digest)) {
                *p = u64::from(point) << 32 | u64::from(owner);
            }
        }
        self.bytes.clear();
        self.owners.clear();
        filled + n
    }
}

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

/// Appends `k` in decimal, as `sprintf("%d")` writes it.
fn push_decimal(out: &mut Vec<u8>, k: u32) {
    let mut digits = [0u8; 10];
    let mut n = k;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Byte by byte: one to three digits, where a copy would call `memcpy`.
    for &d in &digits[i..] {
        out.push(d);
    }
}

/// `mcs.ip` for an address: its first 22 bytes, zero-filled.
fn ip_of(addr: &[u8]) -> [u8; IP_LEN] {
    let mut ip = [0; IP_LEN];
    let n = addr.len().min(IP_LEN);
    ip[..n].copy_from_slice(&addr[..n]);
    ip
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(addr: &str, weight: u64) -> Server {
        Server {
            addr: addr.as_bytes().to_vec(),
            weight,
        }
    }

    /// The original's binary search, transcribed, as an oracle for `locate`.
    fn original_search(points: &[u32], h: u32) -> usize {
        let n = points.len() as i64;
        let (mut low, mut high) = (0i64, n);
        loop {
            let mid = (low + high) / 2;
            if mid == n {
                return 0;
            }
            let midval = points[mid as usize];
            let midval1 = if mid == 0 {
                0
            } else {
                points[mid as usize - 1]
            };
            if h <= midval && h > midval1 {
                return mid as usize;
            }
            if midval < h {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
            if low > high {
                return 0;
            }
        }
    }

    fn continuum_of(points: &[u32]) -> Continuum {
        let mut sorted = points.to_vec();
        sorted.sort_unstable();
        let points: Vec<Point> = sorted
            .iter()
            .map(|&point| Point::new(point, [0; IP_LEN]))
            .collect();
        let keyed: Vec<u64> = sorted.iter().map(|&point| u64::from(point) << 32).collect();
        Continuum {
            index: Search::new(&keyed, 1, 64 * points.len(), Workers::ONE),
            points,
            servers: vec![server("a", 1)],
            extras: vec![],
        }
    }

    #[test]
    fn float_rounding_of_the_digest_count() {
        // Fixture float_trap_single_precision: all-f32 arithmetic gives 15 here.
        assert_eq!(digests_for(2, 25, 5), Some(16));
        let pure_f32 = ((2f32 / 25f32) * 40f32 * 5f32).floor() as u32;
        assert_eq!(pure_f32, 15);
        // Fixture float_trap_double_precision: all-f64 arithmetic gives 152 here.
        assert_eq!(digests_for(8_362_224, 17_489_621, 8), Some(153));
        let pure_f64 = (8_362_224f64 / 17_489_621f64 * 40.0 * 8.0).floor() as u32;
        assert_eq!(pure_f64, 152);
        // Fixture float_trap_zero_points: 117 in f64; and a tiny share gets no point at all.
        assert_eq!(digests_for(708, 720, 3), Some(118));
        assert_eq!(digests_for(4, 720, 3), Some(0));
        // One server always gets 40 digests, whatever its weight.
        assert_eq!(digests_for(7, 7, 1), Some(40));
        assert_eq!(digests_for(u64::MAX, u64::MAX, 1), Some(40));
    }

    #[test]
    fn digest_counts_the_original_cannot_convert_are_none() {
        // A total of 0 (wrapped): the share is infinite.
        assert_eq!(digests_for(1, 0, 2), None);
        // 2^64 / 1 * 40 * 2 is far past 2^32.
        assert_eq!(digests_for(u64::MAX, 1, 2), None);
        // 53687088 * 80 is the largest float below 2^32; 53687092 * 80 rounds to 2^32.
        assert_eq!(digests_for(53_687_088, 1, 2), Some(4_294_967_040));
        assert_eq!(digests_for(53_687_092, 1, 2), None);
    }

    #[test]
    fn a_file_sums_weights_as_an_unsigned_long_does() {
        let file = |servers: Vec<Server>| Continuum::build_with(servers, Total::Wrapping);
        let max = i64::MAX as u64;
        // "a -1": 2^64 - 1 of a total of 2^64 - 1, the 160 points of a lone server.
        let alone = file(vec![server("a", u64::MAX)]).unwrap();
        assert_eq!(alone.points().len(), 160);
        // "a -10", "b 3": the total does not wrap; a's share rounds to 1, b's to nothing.
        let ring = file(vec![server("a", u64::MAX - 9), server("b", 3)]).unwrap();
        assert_eq!(ring.points().len(), 320);
        assert_eq!(ring.server_info(0).unwrap().points, 320);
        assert_eq!(ring.server_info(1).unwrap().points, 0);
        // Two LONG_MAX and a 1: exactly ULONG_MAX, no wrap, the plain continuum.
        let exact = vec![server("a", max), server("b", max), server("c", 1)];
        assert_eq!(
            file(exact.clone()).unwrap().points(),
            Continuum::build(exact).unwrap().points()
        );
        // A total wrapping to 0: every share is a division by zero; the first server is
        // where the original's arithmetic goes wrong.
        let zero = file(vec![server("a", u64::MAX), server("b", 1)]).unwrap_err();
        assert!(matches!(
            zero,
            BuildError::CountUndefined {
                index: 0,
                total: 0,
                wrapped: true,
                ..
            }
        ));
        // Wrapping to a small total: a's share is billions of times the ring.
        let small = file(vec![server("a", max), server("b", max), server("c", 3)]).unwrap_err();
        assert_eq!(small.server(), Some(0));
        assert!(matches!(small, BuildError::CountUndefined { total: 1, .. }));
        // Wrapping to a large total: each count is fine, their sum is past 160 a server.
        // Two weights of 2^64 - 10 add up to 2^64 - 20 once wrapped: 80 digests each, and
        // the second server's 320 points pass the 320 the original's array holds.
        let past = file(vec![server("a", u64::MAX - 9), server("b", u64::MAX - 9)]).unwrap_err();
        assert_eq!(
            past,
            BuildError::PastTheArray {
                index: 1,
                addr: b"b".to_vec(),
                points: 640,
                total: u64::MAX - 19,
                wrapped: true,
            }
        );
        // The in-memory API refuses those sums outright.
        assert_eq!(
            Continuum::build(vec![server("a", u64::MAX - 9), server("b", u64::MAX - 9)])
                .unwrap_err(),
            BuildError::TotalOverflow
        );
    }

    #[test]
    fn messages_about_undefined_counts_say_why() {
        let file = |servers: Vec<Server>| Continuum::build_with(servers, Total::Wrapping);
        let zero = file(vec![server("a", u64::MAX), server("b", 1)]).unwrap_err();
        assert_eq!(
            zero.to_string(),
            "the weights add up to 0, their sum having wrapped around past ULONG_MAX to a \
             multiple of 2^64, so the share of server \"a\" is a division by zero; the \
             original's behaviour is undefined there"
        );
        let max = i64::MAX as u64;
        let small = file(vec![server("a", max), server("b", max), server("c", 3)]).unwrap_err();
        assert_eq!(
            small.to_string(),
            "server \"a\" of weight 9223372036854775807 would get 2^32 digests or more, more \
             than the original counts in an unsigned int: the weights add up to only 1, their \
             sum having wrapped around past ULONG_MAX"
        );
        let past = file(vec![server("a", u64::MAX - 9), server("b", u64::MAX - 9)]).unwrap_err();
        assert_eq!(
            past.to_string(),
            "the servers up to \"b\" would get 640 points, more than the original's array \
             holds (160 a server): the weights add up to only 18446744073709551596, their sum \
             having wrapped around past ULONG_MAX"
        );
    }

    #[test]
    fn lookup_wraps_past_the_last_point() {
        let c = continuum_of(&[10, 20, 30]);
        assert_eq!(c.locate(0), Some(0));
        assert_eq!(c.locate(10), Some(0));
        assert_eq!(c.locate(11), Some(1));
        assert_eq!(c.locate(30), Some(2));
        assert_eq!(c.locate(31), Some(0));
        assert_eq!(c.locate(u32::MAX), Some(0));
        assert_eq!(continuum_of(&[]).locate(5), None);
    }

    #[test]
    fn lookup_agrees_with_the_original_search() {
        let mut next = crate::xorshift::stream(0x9e37_79b9_7f4a_7c15);
        for round in 0..2000 {
            let n = (next() % 40) as usize + 1;
            // Small values make ties and zeros frequent.
            let range = if round % 2 == 0 { 50 } else { u32::MAX as u64 };
            let pts: Vec<u32> = (0..n).map(|_| (next() % range) as u32).collect();
            let c = continuum_of(&pts);
            let sorted: Vec<u32> = c.points().iter().map(|p| p.point).collect();
            for _ in 0..50 {
                let h = (next() % (range + 2)) as u32;
                assert_eq!(
                    c.locate(h),
                    Some(original_search(&sorted, h)),
                    "points {sorted:?} h {h}"
                );
            }
            for &h in &sorted {
                assert_eq!(c.locate(h), Some(original_search(&sorted, h)));
            }
        }
    }

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
    fn any_workers_build_the_same_continuum() {
        // 1000 servers: 158,000 points, in the packed layout; two servers of the same address
        // tie at every point.
        let mut servers: Vec<Server> = (0..1000)
            .map(|i| server(&format!("10.0.{}.{}:11211", i / 256, i % 256), 100 + i % 9))
            .collect();
        servers[999].addr = servers[3].addr.clone();
        let counts = digest_counts(&servers, Total::Checked).unwrap();
        let one = Continuum::build_on(servers.clone(), &counts, Workers::ONE);
        assert!(one.index.is_packed());
        for workers in [Workers::new(2, 8), Workers::new(4, 5), Workers::new(1, 300)] {
            let other = Continuum::build_on(servers.clone(), &counts, workers);
            assert_eq!(other.points, one.points);
            assert_eq!(other.index, one.index);
        }
        let twins = (0..one.points.len())
            .filter(|&i| one.owner(i) == 999)
            .count();
        assert_eq!(twins, 4 * counts[999] as usize);
    }

    #[test]
    fn ties_keep_server_order() {
        // Same address twice: every point ties with its twin; the first server must come first.
        let c = Continuum::build(vec![server("x:1", 1), server("x:1", 1)]).unwrap();
        assert_eq!(c.points().len(), 320);
        for pair in (0..c.points().len()).collect::<Vec<_>>().chunks(2) {
            assert_eq!([c.owner(pair[0]), c.owner(pair[1])], [0, 1]);
        }
    }

    #[test]
    fn ip_is_first_22_bytes_zero_filled() {
        let long = "[2001:db8::1234:5678]:11211";
        let c = Continuum::build(vec![server(long, 1), server("a:1", 1)]).unwrap();
        let p = c.points().iter().find(|p| p.ip[0] == b'[').unwrap();
        assert_eq!(&p.ip[..], &long.as_bytes()[..22]);
        let q = c.points().iter().find(|p| p.ip[0] == b'a').unwrap();
        assert_eq!(&q.ip[..4], b"a:1\0");
        assert!(q.ip[3..].iter().all(|&b| b == 0));
        assert_eq!(std::mem::size_of::<Point>(), 28);
    }

    #[test]
    fn points_are_md5_words_of_address_dash_index() {
        let c = Continuum::build(vec![server("127.0.0.1:11211", 100)]).unwrap();
        assert_eq!(c.points().len(), 160);
        let mut expected: Vec<u32> = (0..40)
            .flat_map(|k| hash::words(&hash::md5(format!("127.0.0.1:11211-{k}").as_bytes())))
            .collect();
        expected.sort_unstable();
        let got: Vec<u32> = c.points().iter().map(|p| p.point).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn server_info_gives_whole_address_weight_and_points() {
        let long = "cache-a.example.com:11211";
        let c = Continuum::build(vec![server(long, 600), server("b:1", 300)]).unwrap();
        let a = c.server_info(0).unwrap();
        assert_eq!(a.addr.to_bytes(), long.as_bytes());
        assert_eq!(a.weight, 600);
        let counted = |s| (0..c.points().len()).filter(|&i| c.owner(i) == s).count();
        assert_eq!(a.points as usize, counted(0));
        assert_eq!(c.server_info(1).unwrap().points as usize, counted(1));
        assert_eq!(
            (a.points + c.server_info(1).unwrap().points) as usize,
            c.points().len()
        );
        assert_eq!(c.server_info(2), None);
    }

    #[test]
    fn build_rejects_bad_lists() {
        assert_eq!(Continuum::build(vec![]).unwrap_err(), BuildError::NoServers);
        assert_eq!(
            Continuum::build(vec![server("a", 1), server("", 1)]).unwrap_err(),
            BuildError::EmptyAddress { index: 1 }
        );
        assert_eq!(
            Continuum::build(vec![server("a", 0)]).unwrap_err(),
            BuildError::ZeroWeight { index: 0 }
        );
        assert_eq!(
            Continuum::build(vec![server("a", 1), server("b\0c", 1)]).unwrap_err(),
            BuildError::NulInAddress { index: 1 }
        );
        assert_eq!(
            Continuum::build(vec![server("a", u64::MAX), server("b", 1)]).unwrap_err(),
            BuildError::TotalOverflow
        );
        // About 160 points a server: 110,000 of them would pass 2^24 points.
        let fleet = (0..110_000).map(|i| server(&format!("s{i}"), 1)).collect();
        assert_eq!(
            Continuum::build(fleet).unwrap_err(),
            BuildError::TooManyPoints
        );
    }
}
