//! The hash functions other memcached clients place keys and points with, one small file each,
//! as twemproxy's `src/hashkit/` has them: the same names, and the same answers as the C code
//! they come from, quirks included.
//!
//! Those quirks are the point of writing them here rather than taking a crate: several of the
//! C functions read the key through a `char *`, which is signed on x86, so that a byte of 0x80
//! or more is sign-extended before it is mixed in (`one_at_a_time`, the FNV family, one branch
//! of `hsieh`); twemproxy's `fnv1a_64` is FNV-1a in 32 bits with the 64-bit constants cut
//! down; its `crc16` never masks its state to 16 bits; its `crc32` keeps 15 bits. Each is
//! checked against the real client that uses it (clients/), never against copied vectors.
//! MD5 is [`crate::hash`]; CRC-32 is crc32fast's and SHA-1 RustCrypto's.

mod crc;
mod fnv;
mod hsieh;
mod jenkins;
mod murmur;
mod oaat;

pub use crc::{crc16, crc32, crc32_15};
pub use fnv::{fnv1_32, fnv1_64, fnv1a_32, fnv1a_64};
pub use hsieh::hsieh;
pub use jenkins::jenkins;
pub use murmur::murmur;
pub use oaat::one_at_a_time;

/// The first four bytes of SHA-1 of `data`, big endian: how dalli turns a string into a point.
pub fn sha1_be(data: &[u8]) -> u32 {
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(data);
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// A byte as C code reading a `const char *` on x86 sees it: signed, then widened.
#[inline]
fn signed(b: u8) -> u32 {
    b as i8 as i32 as u32
}
