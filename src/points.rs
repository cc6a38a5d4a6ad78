//! The hashing step of a build, shared by every flavor: each server's points, from the string
//! its flavor hashes for it (its identity) and its number of hash inputs, as
//! `(point << 32 | server)`.
//!
//! MD5 flavors hash `"<identity>-<k>"` in multi-buffer batches of equal length, which md5-many
//! hashes with its fastest kernels, across servers; the others call their recipe's generator
//! server by server. Either way the list is cut into `workers.pieces()` runs of servers with
//! about as many points each, each hashed into its own part of the result on a thread of its
//! own. pecl memcache's ring keeps none of its points: [`buckets`] folds them into its table.

use crate::flavor::{Flavor, Points, BUCKETS, BUCKET_STEP};
use crate::hash;
use crate::hints;
use crate::workers::{split_at, Workers};
use std::collections::BTreeMap;

/// Hash inputs prepared per multi-buffer batch while building.
const BUILD_BATCH: usize = 1024;

/// The points of the servers whose identities are `ids`, `inputs[i]` hash inputs for server
/// `i`, as `(point << 32 | server)`, in no particular order.
pub fn hash_points<I: AsRef<[u8]> + Sync>(
    flavor: Flavor,
    ids: &[I],
    inputs: &[u32],
    workers: Workers,
) -> Vec<u64> {
    let points = flavor.recipe().points;
    let per_input = points.per_input() as usize;
    let npoints = inputs.iter().map(|&k| per_input * k as usize).sum();
    let mut keyed = vec![0; npoints];
    hints::huge_pages(&keyed);
    // The first server of each run but the first, and the first point of its run.
    let (mut firsts, mut cuts) = (Vec::new(), Vec::new());
    let (pieces, mut before) = (workers.pieces(), 0);
    for (k, &n) in inputs.iter().enumerate() {
        if k > 0 && cuts.len() + 1 < pieces && before * pieces >= (cuts.len() + 1) * npoints {
            firsts.push(k);
            cuts.push(before);
        }
        before += per_input * n as usize;
    }
    let runs = std::iter::once(0)
        .chain(firsts.iter().copied())
        .zip(firsts.iter().copied().chain([ids.len()]));
    let jobs: Vec<_> = runs.zip(split_at(&mut keyed, &cuts)).collect();
    workers.run(jobs, |((first, end), out)| {
        let (ids, inputs) = (&ids[first..end], &inputs[first..end]);
        match points {
            Points::Md5 { words } => md5_run(ids, inputs, words as usize, first, out),
            Points::Each { generate } => each_run(ids, inputs, generate, first, out),
        }
    });
    keyed
}

/// `hash_points` of an MD5 flavor for the servers `first..`, into `out`.
fn md5_run<I: AsRef<[u8]>>(ids: &[I], inputs: &[u32], words: usize, first: usize, out: &mut [u64]) {
    // By input length. A server's inputs have one length per number of digits of `k`.
    let mut queues: BTreeMap<usize, Inputs> = BTreeMap::new();
    let mut filled = 0;
    for (owner, (id, &n)) in (first..).zip(ids.iter().zip(inputs)) {
        let mut k = 0;
        while k < n {
            let width = k.checked_ilog10().unwrap_or(0) + 1;
            let same_width = n.min(10u32.saturating_pow(width));
            let id = id.as_ref();
            let len = id.len() + 1 + width as usize;
            let queue = queues.entry(len).or_insert_with(|| Inputs::new(len, words));
            for k in k..same_width {
                queue.push(id, k, owner as u32);
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

/// `hash_points` of a flavor with its own generator, for the servers `first..`, into `out`.
fn each_run<I: AsRef<[u8]>>(
    ids: &[I],
    inputs: &[u32],
    generate: fn(&[u8], u32, &mut [u32]),
    first: usize,
    out: &mut [u64],
) {
    let mut points = Vec::new();
    let mut filled = 0;
    for (owner, (id, &n)) in (first..).zip(ids.iter().zip(inputs)) {
        points.clear();
        points.resize(n as usize, 0);
        generate(id.as_ref(), n, &mut points);
        for (slot, &p) in out[filled..filled + points.len()].iter_mut().zip(&points) {
            *slot = u64::from(p) << 32 | owner as u64;
        }
        filled += points.len();
    }
    assert_eq!(filled, out.len(), "every point of the run generated");
}

/// `"<identity>-<k>"` strings of one length, with the server of each, until hashed.
struct Inputs {
    len: usize,
    words: usize,
    bytes: Vec<u8>,
    owners: Vec<u32>,
    digests: Vec<[u8; 16]>,
}

impl Inputs {
    fn new(len: usize, words: usize) -> Inputs {
        Inputs {
            len,
            words,
            bytes: Vec::with_capacity(len * BUILD_BATCH),
            owners: Vec::with_capacity(BUILD_BATCH),
            digests: vec![[0; 16]; BUILD_BATCH],
        }
    }

    fn push(&mut self, id: &[u8], k: u32, owner: u32) {
        self.bytes.extend_from_slice(id);
        self.bytes.push(b'-');
        push_decimal(&mut self.bytes, k);
        self.owners.push(owner);
    }

    /// Hashes the inputs, writes their points (`words` each) to `out` from `filled` on,
    /// empties the queue, and returns how much of `out` is filled now.
    fn hash_into(&mut self, out: &mut [u64], filled: usize) -> usize {
        let inputs: Vec<&[u8]> = self.bytes.chunks_exact(self.len).collect();
        hash::md5_each(&inputs, &mut self.digests);
        let n = self.words * self.owners.len();
        for (points, (digest, &owner)) in out[filled..filled + n]
            .chunks_exact_mut(self.words)
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

/// pecl memcache's table, from the points of the servers whose identities are `ids`
/// (`inputs[i]` of them for server `i`, one a hash input), made one server at a time and kept
/// only as long as it takes to fold them in: bucket `b` takes the server of the first point at
/// or after `b * BUCKET_STEP`, past the last point the first. Equal points go to the server
/// listed first, or last if `later_wins`. The table is returned as points at the buckets'
/// starts, `(start << 32 | server)`, ascending.
pub fn buckets<I: AsRef<[u8]>>(
    flavor: Flavor,
    ids: &[I],
    inputs: &[u32],
    later_wins: bool,
) -> Vec<u64> {
    let Points::Each { generate } = flavor.recipe().points else {
        unreachable!("a bucketed flavor generates its own points");
    };
    // The smallest point of each slot, `(point << 32 | server)`: slot `s` holds the points in
    // `[s * STEP, (s + 1) * STEP)`, the least of which is bucket `s`'s when there is one.
    // Points past the last bucket's range fall in the slot past it.
    let slots = BUCKETS as usize + 1;
    let mut least: Vec<Option<u64>> = vec![None; slots];
    let mut points = Vec::new();
    for (owner, (id, &n)) in ids.iter().zip(inputs).enumerate() {
        points.clear();
        points.resize(n as usize, 0);
        generate(id.as_ref(), n, &mut points);
        for &p in &points {
            let slot = (p / BUCKET_STEP) as usize;
            let key = u64::from(p) << 32 | owner as u64;
            let better = match least[slot] {
                None => true,
                Some(held) if held >> 32 == key >> 32 => later_wins,
                Some(held) => key < held,
            };
            if better {
                least[slot] = Some(key);
            }
        }
    }
    let first = least.iter().flatten().next().copied();
    let mut next = first;
    let mut table = vec![0u64; BUCKETS as usize];
    // From the last bucket down: each takes its own slot's point, or the next one's.
    for b in (0..slots).rev() {
        if let Some(key) = least[b] {
            next = Some(key);
        }
        if b < BUCKETS as usize {
            let server = next.or(first).expect("a bucketed ring has points") & 0xffff_ffff;
            table[b] = u64::from(b as u32 * BUCKET_STEP) << 32 | server;
        }
    }
    table
}

/// Appends `k` in decimal, as `sprintf("%u")` writes it.
pub fn push_decimal(out: &mut Vec<u8>, k: u32) {
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
