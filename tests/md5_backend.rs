//! md5-many is an alpha release: its single-stream path and each multi-buffer kernel this CPU
//! can run (its best level, AVX2, and the baseline) are checked against the md-5 crate on
//! millions of inputs: every length across the block boundaries, equal-length and mixed
//! batches of every size its scheduler treats differently, random bytes throughout.
//!
//! `make test` runs each check on a sample (every length, the batch sizes around the lane
//! counts, tens of thousands of random inputs); the full runs take minutes and are marked
//! `#[ignore]` for `make test-long`.

use fearless_simd::Level;
use md5::{Digest, Md5};
use md5_many::Md5Many;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn reference(input: &[u8]) -> [u8; 16] {
    Md5::digest(input).into()
}

fn engines() -> Vec<(&'static str, Md5Many)> {
    let best = Level::new();
    let mut engines = vec![
        ("best", Md5Many::from_level(best)),
        ("baseline", Md5Many::from_level(Level::baseline())),
    ];
    if let Some(avx2) = best.as_avx2() {
        engines.push(("avx2", Md5Many::from_level(Level::Avx2(avx2))));
    }
    engines
}

fn check_batch(name: &str, engine: Md5Many, inputs: &[Vec<u8>]) {
    let slices: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
    let mut out = vec![[0u8; 16]; slices.len()];
    engine.hash_many(&slices, &mut out);
    for (input, digest) in inputs.iter().zip(&out) {
        assert_eq!(
            *digest,
            reference(input),
            "{name}: batch of {}, input of {} bytes",
            inputs.len(),
            input.len()
        );
    }
}

/// The batch sizes the samples take: around one and two lanes of AVX2 (8) and AVX-512 (16).
const SAMPLE_SIZES: [usize; 12] = [1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64];

/// Every length up to 1100 bytes, then `random` inputs of up to 119 bytes.
fn single_stream(random: usize) {
    let mut rng = Rng(0x853c_49e6_748f_ea9b);
    for len in 0..=1100 {
        let input = rng.bytes(len);
        assert_eq!(md5_many::md5(&input), reference(&input), "length {len}");
    }
    let mut buf = Vec::new();
    for _ in 0..random {
        let len = (rng.next() % 120) as usize;
        buf.clear();
        buf.extend((0..len).map(|_| rng.next() as u8));
        assert_eq!(md5_many::md5(&buf), reference(&buf), "{buf:?}");
    }
}

/// Batches of equal-length inputs, of each of `sizes`, for every length across the first
/// blocks and some beyond.
fn equal_length_batches(sizes: &[usize]) {
    let mut rng = Rng(0xda3e_39cb_94b9_5bdb);
    for (name, engine) in engines() {
        for len in (0..=130).chain([191, 192, 255, 256, 300]) {
            for &size in sizes {
                let inputs: Vec<Vec<u8>> = (0..size).map(|_| rng.bytes(len)).collect();
                check_batch(name, engine, &inputs);
            }
        }
    }
}

/// Batches of 1 to 200 inputs of mixed lengths (some led by a long one), `inputs` in all
/// per kernel.
fn mixed_batches(inputs: usize) {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for (name, engine) in engines() {
        let mut hashed = 0;
        while hashed < inputs {
            let size = 1 + (rng.next() % 200) as usize;
            let skewed = rng.next() % 4 == 0;
            let inputs: Vec<Vec<u8>> = (0..size)
                .map(|i| {
                    let len = if skewed && i == 0 {
                        200 + (rng.next() % 900) as usize
                    } else {
                        (rng.next() % 301) as usize
                    };
                    rng.bytes(len)
                })
                .collect();
            check_batch(name, engine, &inputs);
            hashed += size;
        }
    }
}

#[test]
fn single_stream_matches_md5_on_a_sample() {
    single_stream(20_000);
}

#[test]
#[ignore = "long: make test-long"]
fn single_stream_matches_md5_on_millions_of_inputs() {
    single_stream(2_000_000);
}

#[test]
fn every_kernel_matches_md5_on_equal_length_batches_of_sampled_sizes() {
    equal_length_batches(&SAMPLE_SIZES);
}

#[test]
#[ignore = "long: make test-long"]
fn every_kernel_matches_md5_on_equal_length_batches() {
    equal_length_batches(&(1..=64).collect::<Vec<_>>());
}

#[test]
fn every_kernel_matches_md5_on_a_sample_of_mixed_batches() {
    mixed_batches(30_000);
}

#[test]
#[ignore = "long: make test-long"]
fn every_kernel_matches_md5_on_mixed_batches() {
    mixed_batches(1_500_000);
}
