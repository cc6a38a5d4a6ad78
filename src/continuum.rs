//! The continuum: every server's points on the 32-bit ring, sorted, the `mcs` array C reads,
//! and the lookup of a key, for any flavor (`flavor`).
//!
//! A build is four steps, each in a module of its own: the flavor's count of each server's
//! hash inputs (`flavor`), their points (`points`), sorted (`sort`), then the `mcs` array and
//! the search structure (`index`), here.

pub use crate::build_error::BuildError;
pub use crate::flavor::Total;

use crate::flavor::{Flavor, Lookup, Ties};
use crate::hash;
use crate::hints;
use crate::index::{Bounds, Search, GROUP};
use crate::points;
use crate::ruby_sort;
use crate::sort;
use crate::workers::{even_cuts, split_at, split_at_ref, Workers};
use crate::zeroed;
use std::ffi::{CStr, CString};

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
    /// Its address, as the application writes it (`host:port`, `[v6]:port`, `host`).
    pub addr: Vec<u8>,
    pub weight: u64,
    /// The string the flavor hashes for its points in place of the one it derives from the
    /// address: twemproxy's server names (`- 10.0.0.1:11211:1 cache1`), or the name a Java
    /// client saw (`cache1/10.0.0.1:11211`).
    pub name: Option<Vec<u8>>,
}

impl Server {
    /// A server of address `addr` and weight `weight`, without a name.
    pub fn new(addr: impl Into<Vec<u8>>, weight: u64) -> Server {
        Server {
            addr: addr.into(),
            weight,
            name: None,
        }
    }
}

/// The memory a continuum may take per point, all included.
pub const BYTES_PER_POINT: usize = 36;

/// Heap bytes of a server list.
fn server_list_bytes(servers: &[Server]) -> usize {
    servers
        .iter()
        .map(|s| s.addr.capacity() + s.name.as_ref().map_or(0, Vec::capacity))
        .sum::<usize>()
        + std::mem::size_of_val(servers)
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

/// An immutable continuum: points sorted ascending (ties in the order of the flavor's tie
/// rule), the search structure that finds a hash's point and gives each point's server, and the
/// flavor whose key hash and lookup rule a key takes.
#[derive(Debug)]
pub struct Continuum {
    points: Vec<Point>,
    index: Search,
    servers: Vec<Server>,
    extras: Vec<ServerExtra>,
    flavor: Flavor,
}

impl Continuum {
    /// Builds libketama's continuum of `servers`, in their order, refusing weights whose sum
    /// does not fit in 64 bits: what the in-memory API does.
    pub fn build(servers: Vec<Server>) -> Result<Continuum, BuildError> {
        Continuum::build_as(servers, Flavor::LIBKETAMA, Total::Checked)
    }

    /// Builds libketama's continuum of `servers`, in their order, with the weights summed as
    /// `total` says: `Total::Wrapping` for a server file, as the original sums it.
    pub fn build_with(servers: Vec<Server>, total: Total) -> Result<Continuum, BuildError> {
        Continuum::build_as(servers, Flavor::LIBKETAMA, total)
    }

    /// Builds the continuum of `servers`, in their order, as `flavor`'s client builds its ring.
    pub fn build_flavor(servers: Vec<Server>, flavor: Flavor) -> Result<Continuum, BuildError> {
        Continuum::build_as(servers, flavor, Total::Checked)
    }

    /// Builds the continuum of `servers` as `flavor`'s client does, the weights summed as
    /// `total` says (only libketama's sum wraps).
    pub fn build_as(
        mut servers: Vec<Server>,
        flavor: Flavor,
        total: Total,
    ) -> Result<Continuum, BuildError> {
        servers.shrink_to_fit();
        let flavor = flavor.for_servers(&servers);
        let inputs = flavor.inputs(&servers, total)?;
        let npoints: u64 = inputs
            .iter()
            .map(|&k| u64::from(flavor.recipe().points.per_input()) * u64::from(k))
            .sum();
        Ok(Continuum::build_on(
            servers,
            flavor,
            &inputs,
            Workers::for_points(npoints as usize),
        ))
    }

    /// The continuum of `servers` with `inputs[i]` hash inputs for server `i`
    /// (`Flavor::inputs`), built by `workers`: `points::hash_points`, `sort::sort_by_point`,
    /// `from_sorted`. Public so that tests and `bench/roll.rs` can choose the threads; what
    /// it builds is the same on any.
    pub fn build_on(
        servers: Vec<Server>,
        flavor: Flavor,
        inputs: &[u32],
        workers: Workers,
    ) -> Continuum {
        let ids: Vec<_> = servers.iter().map(|s| flavor.identity(s)).collect();
        let recipe = flavor.recipe();
        let keyed = if recipe.lookup == Lookup::Buckets {
            points::buckets(flavor, &ids, inputs, recipe.ties == Ties::Later)
        } else {
            let mut keyed =
                sort::sort_by_point(points::hash_points(flavor, &ids, inputs, workers), workers);
            // The point at or before a hash is found as the point after it, on a ring whose
            // points carry the server of the point before them: the last of a tie is then the
            // one found.
            let before = recipe.lookup == Lookup::AtOrBefore;
            match recipe.ties {
                Ties::Earlier if before => sort::later_first(&mut keyed),
                Ties::Later if !before => sort::later_first(&mut keyed),
                Ties::Earlier | Ties::Later => {}
                Ties::NameOrder => sort::ties_by(&mut keyed, &name_ranks(&ids)),
                // Only two servers on one point tell Ruby's order from this one: then the
                // points again, in the client's order, sorted as Ruby sorts them.
                Ties::RubySortBy if sort::servers_share_a_point(&keyed) => {
                    keyed = points::hash_points(flavor, &ids, inputs, workers);
                    ruby_sort::sort_by_point(&mut keyed);
                }
                Ties::RubySortBy => {}
            }
            if before {
                pass_owners_on(&mut keyed);
            }
            keyed
        };
        Continuum::from_sorted(servers, flavor, keyed, workers)
    }

    /// The continuum of `servers` from their points as `(point << 32 | server)` sorted by
    /// point (`points::hash_points`, then `sort::sort_by_point`): the `mcs` array C reads and
    /// the search structure. The last step of a build, public so that `bench/roll.rs` can
    /// time each step of a roll. `workers` fill the arrays, each a piece of them.
    pub fn from_sorted(
        servers: Vec<Server>,
        flavor: Flavor,
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
        let mut owned = vec![0u32; servers.len()];
        for &key in &keyed {
            owned[(key & 0xffff_ffff) as usize] += 1;
        }
        let extras: Vec<ServerExtra> = servers
            .iter()
            .zip(owned)
            .map(|(s, points)| ServerExtra {
                c_addr: CString::new(s.addr.clone()).expect("NUL bytes were refused above"),
                points,
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
            flavor,
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

    /// The flavor it was built as.
    pub fn flavor(&self) -> Flavor {
        self.flavor
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

    /// Index (into `points`) of the first point at or after `value`, wrapping past the last
    /// point to the first; `None` when there are no points. This is the search itself: a
    /// key's hash is first made the value to search by its flavor's lookup rule
    /// (`locate_hash`).
    pub fn locate(&self, value: u32) -> Option<usize> {
        if self.points.is_empty() {
            return None;
        }
        Some(self.index.locate(value))
    }

    /// Index (into `points`) of the point a key of hash `hash` finds, by the flavor's lookup
    /// rule; `None` when there are no points.
    pub fn locate_hash(&self, hash: u32) -> Option<usize> {
        self.locate(self.flavor.recipe().lookup.probe(hash))
    }

    /// The point a key of hash `hash` finds, as `locate_hash` finds it, for a caller about to
    /// read it (`ketama_get_server`): its cache line is asked for while the search runs.
    pub fn point_for_hash(&self, hash: u32) -> Option<&Point> {
        if self.points.is_empty() {
            return None;
        }
        let value = self.flavor.recipe().lookup.probe(hash);
        Some(&self.points[self.index.locate_beside(value, &self.points)])
    }

    /// The server (its index in `servers`) that owns the point at `index`.
    pub fn owner(&self, index: usize) -> usize {
        self.index.owner(index)
    }

    /// The hash of `key` as the flavor's client computes it.
    pub fn key_hash(&self, key: &[u8]) -> u32 {
        self.flavor.key_hash(key)
    }

    /// The server a key maps to, as its index in `servers`.
    pub fn server_for(&self, key: &[u8]) -> Option<usize> {
        self.locate_hash(self.key_hash(key)).map(|i| self.owner(i))
    }

    /// The servers of many keys: `out[i]` gets what `server_for(keys[i])` gives. `out` is at
    /// least as long as `keys`.
    ///
    /// The keys are hashed in groups, MD5 in SIMD lanes, and the lookups of one group overlap
    /// the hashing of the next: a group's points are asked for (`Search::prepare`) before the
    /// next group is hashed, and searched (`Search::finish`) after, by then in cache.
    pub fn servers_for(&self, keys: &[&[u8]], out: &mut [Option<usize>]) {
        let out = &mut out[..keys.len()];
        if self.points.is_empty() {
            out.fill(None);
            return;
        }
        let mut digests = [[0u8; 16]; GROUP];
        // The group being hashed and the one before it, whose points are on their way.
        let mut values = [[0u32; GROUP]; 2];
        let mut bounds = [[(0, 0); GROUP]; 2];
        let mut pending: Option<&mut [Option<usize>]> = None;
        for (g, (keys, out)) in keys.chunks(GROUP).zip(out.chunks_mut(GROUP)).enumerate() {
            let (now, before) = (g % 2, (g + 1) % 2);
            self.values_of(keys, &mut digests, &mut values[now]);
            self.index
                .prepare(&values[now][..keys.len()], &mut bounds[now]);
            if let Some(out) = pending.take() {
                self.finish(&values[before], &bounds[before], out);
            }
            pending = Some(out);
        }
        if let Some(out) = pending {
            let last = (keys.len() - 1) / GROUP % 2;
            self.finish(&values[last], &bounds[last], out);
        }
    }

    /// The values to search for a group of keys (at most `GROUP`): their hashes, MD5 in SIMD
    /// lanes where the flavor hashes with MD5, made search values by the lookup rule.
    #[inline]
    fn values_of(&self, keys: &[&[u8]], digests: &mut [[u8; 16]; GROUP], values: &mut [u32]) {
        let recipe = self.flavor.recipe();
        let simd = matches!(recipe.key, crate::flavor::KeyHash::Md5) && recipe.prepare.is_none();
        if simd {
            hash::md5_each(keys, digests);
            for (v, digest) in values.iter_mut().zip(digests.iter()) {
                *v = hash::words(digest)[0];
            }
        } else {
            for (v, key) in values.iter_mut().zip(keys) {
                *v = self.flavor.key_hash(key);
            }
        }
        if recipe.lookup != Lookup::AtOrAfter {
            for v in values.iter_mut().take(keys.len()) {
                *v = recipe.lookup.probe(*v);
            }
        }
    }

    /// `Search::finish` into `out`, one group of a batch.
    fn finish(&self, values: &[u32; GROUP], bounds: &Bounds, out: &mut [Option<usize>]) {
        let mut found = [0; GROUP];
        let n = out.len();
        self.index.finish(&values[..n], bounds, &mut found[..n]);
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

/// Each server's place when the servers are sorted by their hashed names, shorter names
/// first, then byte by byte (twemproxy's order).
fn name_ranks<I: AsRef<[u8]>>(ids: &[I]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (ids[a].as_ref(), ids[b].as_ref());
        a.len().cmp(&b.len()).then_with(|| a.cmp(b))
    });
    let mut ranks = vec![0; ids.len()];
    for (rank, server) in order.into_iter().enumerate() {
        ranks[server] = rank as u32;
    }
    ranks
}

/// Gives each point of the sorted `keyed` the server of the point before it (the first point
/// the last one's): the ring of a flavor whose keys take the point at or before their hash,
/// searched for the point after it.
fn pass_owners_on(keyed: &mut [u64]) {
    let Some(&last) = keyed.last() else {
        return;
    };
    let mut carried = last & 0xffff_ffff;
    for key in keyed.iter_mut() {
        let own = *key & 0xffff_ffff;
        *key = (*key & !0xffff_ffff) | carried;
        carried = own;
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
        Server::new(addr, weight)
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
            flavor: Flavor::LIBKETAMA,
        }
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
    fn any_workers_build_the_same_continuum() {
        // 1000 servers: 158,000 points, in the packed layout; two servers of the same address
        // tie at every point.
        let mut servers: Vec<Server> = (0..1000)
            .map(|i| server(&format!("10.0.{}.{}:11211", i / 256, i % 256), 100 + i % 9))
            .collect();
        servers[999].addr = servers[3].addr.clone();
        let counts = Flavor::LIBKETAMA.inputs(&servers, Total::Checked).unwrap();
        let one = Continuum::build_on(servers.clone(), Flavor::LIBKETAMA, &counts, Workers::ONE);
        assert!(one.index.is_packed());
        for workers in [Workers::new(2, 8), Workers::new(4, 5), Workers::new(1, 300)] {
            let other = Continuum::build_on(servers.clone(), Flavor::LIBKETAMA, &counts, workers);
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
