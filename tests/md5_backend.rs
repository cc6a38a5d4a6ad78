//! md5-many is an alpha release: its single-stream path and each multi-buffer kernel this CPU
//! can run (its best level, AVX2, and the baseline) are checked against the md-5 crate on
//! millions of inputs: every length across the block boundaries, equal-length and mixed
//! batches of every size its scheduler treats differently, random bytes throughout.

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

#[test]
fn single_stream_matches_md5_on_millions_of_inputs() {
    let mut rng = Rng(0x853c_49e6_748f_ea9b);
    for len in 0..=1100 {
        let input = rng.bytes(len);
        assert_eq!(md5_many::md5(&input), reference(&input), "length {len}");
    }
    let mut buf = Vec::new();
    for _ in 0..2_000_000 {
        let len = (rng.next() % 120) as usize;
        buf.clear();
        buf.extend((0..len).map(|_| rng.next() as u8));
        assert_eq!(md5_many::md5(&buf), reference(&buf), "{buf:?}");
    }
}

#[test]
fn every_kernel_matches_md5_on_equal_length_batches() {
    let mut rng = Rng(0xda3e_39cb_94b9_5bdb);
    for (name, engine) in engines() {
        for len in (0..=130).chain([191, 192, 255, 256, 300]) {
            for size in 1..=64 {
                let inputs: Vec<Vec<u8>> = (0..size).map(|_| rng.bytes(len)).collect();
                check_batch(name, engine, &inputs);
            }
        }
    }
}

#[test]
fn every_kernel_matches_md5_on_mixed_batches() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for (name, engine) in engines() {
        let mut hashed = 0;
        while hashed < 1_500_000 {
            let size = 1 + (rng.next() % 200) as usize;
            let skewed = rng.next().is_multiple_of(4);
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
