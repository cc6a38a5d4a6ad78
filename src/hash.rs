//! The two hashes libketama is built on: the MD5 digest and the 32-bit key hash taken from
//! its first four bytes, little endian, exactly as the original assembles it.
//!
//! MD5 is almost all of a lookup's cost, so with the `simd` feature (the default) many
//! independent inputs are hashed together in SIMD lanes where the CPU has them (`md5-many`
//! picks AVX-512, AVX2 or a portable path at run time). Without it, `md-5` hashes one input
//! at a time: the same digests, for toolchains older than md5-many needs.

/// How many keys are hashed per multi-buffer call: one AVX-512 register of lanes, two AVX2
/// ones. Measured fastest for short keys of mixed lengths (128 was about 15% slower a key).
pub const BATCH: usize = 16;

#[cfg(feature = "simd")]
mod backend {
    use crate::fork;
    use md5_many::Md5Many;
    use std::sync::OnceLock;

    pub fn md5(data: &[u8]) -> [u8; 16] {
        md5_many::md5(data)
    }

    /// The multi-buffer engine, with the CPU's features detected once.
    static ENGINE: OnceLock<Md5Many> = OnceLock::new();

    /// The engine. The detection sits behind lazily-initialised statics (this one and
    /// `fearless_simd`'s level), which a `fork` must not copy half initialised: the fork
    /// handlers are registered before the first detection starts, and wait for one in
    /// progress (see `fork`).
    fn engine() -> Md5Many {
        match ENGINE.get() {
            Some(engine) => *engine,
            None => {
                fork::register();
                *ENGINE.get_or_init(Md5Many::new)
            }
        }
    }

    /// Detects the CPU's features unless done, or waits for a detection in progress. The
    /// fork prepare handler calls it directly: a handler that registers handlers can
    /// deadlock (glibc bug 24595).
    pub(crate) fn detect() {
        ENGINE.get_or_init(Md5Many::new);
    }

    pub fn md5_each(inputs: &[&[u8]], out: &mut [[u8; 16]]) {
        engine().hash_many(inputs, out);
    }
}

#[cfg(not(feature = "simd"))]
mod backend {
    use md5::{Digest, Md5};

    pub fn md5(data: &[u8]) -> [u8; 16] {
        Md5::digest(data).into()
    }

    /// md-5 keeps no lazily-initialised state: nothing for a fork to wait for.
    pub(crate) fn detect() {}

    pub fn md5_each(inputs: &[&[u8]], out: &mut [[u8; 16]]) {
        for (input, digest) in inputs.iter().zip(out) {
            *digest = md5(input);
        }
    }
}

pub(crate) use backend::detect;

/// MD5 of `data`.
pub fn md5(data: &[u8]) -> [u8; 16] {
    backend::md5(data)
}

/// MD5 of each input, into the same position of `out` (at least as long as `inputs`).
pub fn md5_each(inputs: &[&[u8]], out: &mut [[u8; 16]]) {
    backend::md5_each(inputs, out);
}

/// The four little-endian 32-bit words of a digest, in order. Word 0 is the key hash; all
/// four are the points one digest gives a server.
pub fn words(digest: &[u8; 16]) -> [u32; 4] {
    let word = |h: usize| {
        u32::from_le_bytes([
            digest[4 * h],
            digest[4 * h + 1],
            digest[4 * h + 2],
            digest[4 * h + 3],
        ])
    };
    [word(0), word(1), word(2), word(3)]
}

/// The position of a key on the ring (`ketama_hashi`).
pub fn key_hash(key: &[u8]) -> u32 {
    words(&md5(key))[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_rfc1321_vectors() {
        assert_eq!(
            md5(b""),
            [
                0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04, 0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8,
                0x42, 0x7e
            ]
        );
        assert_eq!(
            md5(b"abc"),
            [
                0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0, 0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1,
                0x7f, 0x72
            ]
        );
    }

    #[test]
    fn key_hash_is_first_word_little_endian() {
        // MD5("") starts d4 1d 8c d9.
        assert_eq!(key_hash(b""), 0xd98c_1dd4);
        assert_eq!(words(&md5(b""))[3], 0x7e42_f8ec);
    }

    #[test]
    fn md5_each_matches_one_at_a_time() {
        let owned: Vec<Vec<u8>> = (0..200).map(|i| vec![b'k'; i * 3]).collect();
        let inputs: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        let mut out = vec![[0u8; 16]; inputs.len()];
        md5_each(&inputs, &mut out);
        for (input, digest) in inputs.iter().zip(&out) {
            assert_eq!(*digest, md5(input));
        }
    }
}
