//! Ring flavors: the "ketama" ring of every memcached client a fleet mixes, each a short
//! recipe in a file of its own, built and searched by the one machinery of this crate.
//!
//! Every client of a fleet must pick the same server for a key, and each client library builds
//! its own ring: libmemcached drops `:11211` from the names it hashes and rounds its point
//! counts in single precision, twemproxy hashes keys with FNV, dalli places points with SHA-1
//! and takes the point *below* a key, pecl memcache folds its ring into 1024 buckets, nginx
//! chains CRC-32s. A [`Recipe`] says what makes one client's ring: the string hashed for a
//! server, how many points a weight gives, how a string becomes points, how a key is hashed,
//! and which point a key's hash finds. Everything else (sorting, the search structure, the
//! C-visible `mcs` array, batches, threads) is shared: [`crate::points`], [`crate::sort`],
//! [`crate::index`], [`crate::continuum`].
//!
//! `libketama` is the first recipe, not a special case: [`Flavor::LIBKETAMA`].

mod dalli;
mod libketama;
mod libmemcached;
mod nginx;
mod node;
mod pecl_memcache;
mod spymemcached;
mod twemproxy;
mod uhashring;

pub use libketama::{digest_counts, digests_for};

use crate::build_error::BuildError;
use crate::continuum::{Server, MAX_POINTS};
use std::borrow::Cow;
use std::ffi::CStr;
use std::fmt;

/// How a server list's weights are summed. A server file sums them as libketama does, in an
/// `unsigned long` that wraps around past `ULONG_MAX` (a negative weight in a file is already
/// such an `unsigned long`, just below 2^64); the in-memory API takes weights as the numbers
/// they are and refuses a sum that does not fit. Only the `libketama` flavor wraps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Total {
    Checked,
    Wrapping,
}

/// How a recipe turns the string of one of its hash inputs into points.
#[derive(Clone, Copy)]
pub enum Points {
    /// MD5 of `"<id>-<k>"` for each input `k`, whose first `words` little-endian 32-bit words
    /// are points (4: libketama and most of its descendants; 1: libmemcached unweighted).
    /// Hashed in SIMD batches across servers.
    Md5 { words: u32 },
    /// Anything else: `generate(id, inputs, out)` writes a server's points (one an input) to
    /// `out`, which holds exactly that many.
    Each {
        generate: fn(id: &[u8], inputs: u32, out: &mut [u32]),
    },
}

impl Points {
    /// Points per hash input.
    pub fn per_input(self) -> u32 {
        match self {
            Points::Md5 { words } => words,
            Points::Each { .. } => 1,
        }
    }
}

/// How a key's hash is computed.
#[derive(Clone, Copy)]
pub enum KeyHash {
    /// The first little-endian word of MD5 (`ketama_hashi`): hashed in SIMD batches.
    Md5,
    Other(fn(&[u8]) -> u32),
}

/// What a client does to a key before hashing it, when it does something: the key it hashes.
pub type Prepare = fn(&[u8]) -> Cow<'_, [u8]>;

/// Which point a key's hash finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The first point at or after the hash, past the last point the first (libketama).
    AtOrAfter,
    /// The first point after the hash, wrapping (uhashring's `bisect`).
    After,
    /// The last point at or before the hash; below every point, the last point (dalli). Kept as
    /// `After` on a ring whose points carry the server of the point before them: a point holds
    /// the server of the arc that ends at it.
    AtOrBefore,
    /// pecl memcache's table: the ring is cut into 1024 buckets, bucket `b` taking the server
    /// of the first point at or after `b * 4194303`, and a key goes to bucket `hash % 1024`.
    /// Only the 1024 buckets are kept, as points at `b * 4194303`.
    Buckets,
}

/// pecl memcache's number of buckets, and the distance between their starts.
pub const BUCKETS: u32 = 1024;
pub const BUCKET_STEP: u32 = 4_194_303;

impl Lookup {
    /// The value searched for (the first point at or after it, wrapping) for a key's hash.
    #[inline]
    pub fn probe(self, hash: u32) -> u32 {
        match self {
            Lookup::AtOrAfter => hash,
            Lookup::After | Lookup::AtOrBefore => hash.wrapping_add(1),
            Lookup::Buckets => (hash % BUCKETS) * BUCKET_STEP,
        }
    }
}

/// Which of two servers with an equal point a key at that point goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ties {
    /// The server listed first (libketama's stable sort; nginx's de-duplication).
    Earlier,
    /// The server listed later (spymemcached's `TreeMap.put`, dalli on Ruby 3.2, uhashring).
    Later,
    /// The server whose hashed name sorts first, shorter names first, then byte by byte:
    /// twemproxy sorts its servers so before it builds its ring.
    NameOrder,
    /// Where Ruby 3.3's `sort_by` leaves the points of a `Points::Each` recipe, generated
    /// server by server ([`crate::ruby_sort`]); the lookup takes the last of them (dalli).
    RubySortBy,
}

/// How a recipe derives the string it hashes for a server from the server's address.
pub type Derive = fn(addr: &[u8]) -> Vec<u8>;

/// One client's ring, as data: see the module's documentation. Each lives in the file named
/// for its client.
pub struct Recipe {
    /// The flavor's name, as `create_ketama_flavor` and `--flavor` take it (a C string, as
    /// `ketama_flavor_name` hands it out).
    pub name: &'static CStr,
    /// Other names a user might look for it by.
    pub aliases: &'static [&'static str],
    /// The clients, and their settings, that build this ring.
    pub clients: &'static CStr,
    /// The string hashed for a server's points, from its address, where the server has no name
    /// of its own (`Server::name`); `None`: the address as given.
    pub identity: Option<Derive>,
    /// The number of hash inputs of each server (points are `Points::per_input` times more),
    /// after the checks of the list the client needs.
    pub inputs: fn(servers: &[Server], total: Total) -> Result<Vec<u32>, BuildError>,
    pub points: Points,
    pub key: KeyHash,
    /// The key hash's name: two flavors that name the same hash place a key at the same hash
    /// value (`arcs::transfers` compares their rings exactly).
    pub key_name: &'static str,
    /// What the client does to a key before hashing it (dalli shortens long keys, pecl
    /// memcache replaces blanks), where it does something.
    pub prepare: Option<Prepare>,
    /// Whether a server's own name (`Server::name`) is what the client hashes for it: the
    /// clients with names apart from addresses (twemproxy's `- host:port:weight name`, the
    /// name a JVM prints for spymemcached). The others hash their name for the address.
    pub named: bool,
    pub lookup: Lookup,
    pub ties: Ties,
    /// The ring the client builds instead when no server's weight is above 1, if another
    /// (libmemcached turns weighting on only then).
    pub unweighted: Option<&'static Recipe>,
}

/// A ring flavor: which client's ring a continuum is. Cheap to copy; compare by name.
#[derive(Clone, Copy)]
pub struct Flavor(&'static Recipe);

impl PartialEq for Flavor {
    fn eq(&self, other: &Flavor) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Flavor {}

impl fmt::Debug for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Flavor({})", self.name())
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every flavor, in the order they are listed.
static ALL: &[&Recipe] = &[
    &libketama::RECIPE,
    &libmemcached::WEIGHTED,
    &libmemcached::KETAMA,
    &libmemcached::CONSISTENT,
    &libmemcached::SPY,
    &libmemcached::CONSISTENT_WEIGHTED,
    &twemproxy::FNV1A_64,
    &twemproxy::ONE_AT_A_TIME,
    &twemproxy::MD5,
    &twemproxy::CRC16,
    &twemproxy::CRC32,
    &twemproxy::CRC32A,
    &twemproxy::FNV1_64,
    &twemproxy::FNV1_32,
    &twemproxy::FNV1A_32,
    &twemproxy::HSIEH,
    &twemproxy::MURMUR,
    &twemproxy::JENKINS,
    &spymemcached::RECIPE,
    &spymemcached::WEIGHTED,
    &dalli::RECIPE,
    &dalli::RUBY32,
    &node::NODE_MEMCACHED,
    &node::HASHRING,
    &uhashring::RECIPE,
    &pecl_memcache::CRC32,
    &pecl_memcache::FNV,
    &nginx::RECIPE,
];

/// A flavor name nobody answers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFlavor(pub String);

impl fmt::Display for UnknownFlavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Flavor::all().map(Flavor::name).collect();
        write!(
            f,
            "unknown flavor \"{}\": the flavors are {}",
            self.0.escape_debug(),
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownFlavor {}

impl Flavor {
    /// libketama's own ring: the default.
    pub const LIBKETAMA: Flavor = Flavor(&libketama::RECIPE);

    /// The flavor called `name` (or one of its aliases).
    pub fn named(name: &str) -> Result<Flavor, UnknownFlavor> {
        ALL.iter()
            .find(|r| r.name.to_bytes() == name.as_bytes() || r.aliases.contains(&name))
            .map(|&r| Flavor(r))
            .ok_or_else(|| UnknownFlavor(name.to_string()))
    }

    /// Every flavor, libketama first.
    pub fn all() -> impl Iterator<Item = Flavor> {
        ALL.iter().map(|&r| Flavor(r))
    }

    pub fn name(self) -> &'static str {
        self.0.name.to_str().expect("flavor names are ASCII")
    }

    pub fn aliases(self) -> &'static [&'static str] {
        self.0.aliases
    }

    /// The clients, and their settings, whose ring this is.
    pub fn clients(self) -> &'static str {
        self.0.clients.to_str().expect("descriptions are UTF-8")
    }

    /// The recipe.
    pub fn recipe(self) -> &'static Recipe {
        self.0
    }

    /// The flavor whose ring the client builds for `servers`: this one, or the one it builds
    /// when no weight is above 1 (`Recipe::unweighted`).
    pub fn for_servers(self, servers: &[Server]) -> Flavor {
        match self.0.unweighted {
            Some(other) if servers.iter().all(|s| s.weight <= 1) => Flavor(other),
            _ => self,
        }
    }

    /// The string hashed for `server`'s points: its name where it has one, else what the
    /// flavor derives from its address.
    pub fn identity(self, server: &Server) -> Cow<'_, [u8]> {
        match (&server.name, self.0.identity) {
            (Some(name), _) if self.0.named => Cow::Borrowed(name),
            (_, Some(derive)) => Cow::Owned(derive(&server.addr)),
            (_, None) => Cow::Borrowed(&server.addr),
        }
    }

    /// The hash of `key` as this flavor's client computes it (the key prepared first where
    /// the client does so).
    pub fn key_hash(self, key: &[u8]) -> u32 {
        match self.0.prepare {
            Some(prepare) => self.hash_as_is(&prepare(key)),
            None => self.hash_as_is(key),
        }
    }

    /// The hash of `key`, not replaced even when long.
    #[inline]
    fn hash_as_is(self, key: &[u8]) -> u32 {
        match self.0.key {
            KeyHash::Md5 => crate::hash::key_hash(key),
            KeyHash::Other(hash) => hash(key),
        }
    }

    /// The hash inputs of each server, after every check: see [`Recipe::inputs`].
    pub fn inputs(self, servers: &[Server], total: Total) -> Result<Vec<u32>, BuildError> {
        (self.0.inputs)(servers, total)
    }
}

impl Default for Flavor {
    fn default() -> Flavor {
        Flavor::LIBKETAMA
    }
}

/// `bytes`, which end with their only NUL, as a C string: for names made with `concat!`.
pub(crate) const fn c_str(bytes: &'static [u8]) -> &'static CStr {
    match CStr::from_bytes_with_nul(bytes) {
        Ok(s) => s,
        Err(_) => panic!("a C string ends with its only NUL"),
    }
}

/// The checks every flavor makes of a server list: at least one server, each with an address
/// without NUL bytes (C reads it) and a weight of at least 1, the weights adding up to at most
/// `most` (the largest total the client counts). Returns the total.
pub(crate) fn check_list(servers: &[Server], most: u64) -> Result<u64, BuildError> {
    if servers.is_empty() {
        return Err(BuildError::NoServers);
    }
    // Server indices are handed to C as an int.
    if servers.len() > i32::MAX as usize {
        return Err(BuildError::TooManyPoints);
    }
    let mut total = 0u64;
    for (index, s) in servers.iter().enumerate() {
        check_server(index, s)?;
        total = total
            .checked_add(s.weight)
            .filter(|&t| t <= most)
            .ok_or(BuildError::TotalTooLarge { most })?;
    }
    Ok(total)
}

/// The checks of one server, `index` of its list, that every flavor makes: an address, and a
/// name, without NUL bytes (C reads them), a weight of at least 1.
pub(crate) fn check_server(index: usize, s: &Server) -> Result<(), BuildError> {
    if s.addr.is_empty() {
        return Err(BuildError::EmptyAddress { index });
    }
    if s.addr.contains(&0) || s.name.as_ref().is_some_and(|n| n.contains(&0)) {
        return Err(BuildError::NulInAddress { index });
    }
    if s.weight == 0 {
        return Err(BuildError::ZeroWeight { index });
    }
    Ok(())
}

/// The inputs of each server of a list that `check_list` accepts with totals up to `most`,
/// `per_server(weight, total, servers)` each, refused past [`MAX_POINTS`] points in all.
pub(crate) fn weighted(
    servers: &[Server],
    most: u64,
    per_input: u32,
    per_server: impl Fn(u64, u64, usize) -> u64,
) -> Result<Vec<u32>, BuildError> {
    let total = check_list(servers, most)?;
    let mut points = 0u64;
    let mut inputs = Vec::with_capacity(servers.len());
    for s in servers {
        let n = per_server(s.weight, total, servers.len());
        points = points.saturating_add(n.saturating_mul(u64::from(per_input)));
        if points > MAX_POINTS {
            return Err(BuildError::TooManyPoints);
        }
        inputs.push(n as u32);
    }
    Ok(inputs)
}

/// Writes `hash("<id><sep><k>")` for k in 0.., one point an input: the points of the recipes
/// that hash one string per point with something other than MD5.
pub(crate) fn each_indexed(id: &[u8], sep: u8, hash: fn(&[u8]) -> u32, out: &mut [u32]) {
    let mut input = Vec::with_capacity(id.len() + 12);
    for (k, point) in out.iter_mut().enumerate() {
        input.clear();
        input.extend_from_slice(id);
        input.push(sep);
        crate::points::push_decimal(&mut input, k as u32);
        *point = hash(&input);
    }
}
