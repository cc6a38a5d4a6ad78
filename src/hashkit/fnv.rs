//! The FNV hashes of twemproxy (`fnv1_64`, `fnv1a_64`, `fnv1_32`, `fnv1a_32`) and pecl
//! memcache (`fnv1a_32`), all over signed chars.
//!
//! twemproxy's `fnv1_64` runs in 64 bits and keeps the low 32; its `fnv1a_64` runs in 32 bits
//! with the 64-bit offset and prime cut to 32 (0x84222325, 0x1b3): not FNV-1a 64 at all, and
//! the default hash of every twemproxy pool.

use super::signed;

const FNV_64_INIT: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_64_PRIME: u64 = 0x0000_0100_0000_01b3;
const FNV_32_INIT: u32 = 0x811c_9dc5;
const FNV_32_PRIME: u32 = 0x0100_0193;

pub fn fnv1_64(data: &[u8]) -> u32 {
    let mut h = FNV_64_INIT;
    for &b in data {
        h = h.wrapping_mul(FNV_64_PRIME);
        h ^= b as i8 as i64 as u64;
    }
    h as u32
}

pub fn fnv1a_64(data: &[u8]) -> u32 {
    let mut h = FNV_64_INIT as u32;
    for &b in data {
        h ^= signed(b);
        h = h.wrapping_mul(FNV_64_PRIME as u32);
    }
    h
}

pub fn fnv1_32(data: &[u8]) -> u32 {
    let mut h = FNV_32_INIT;
    for &b in data {
        h = h.wrapping_mul(FNV_32_PRIME);
        h ^= signed(b);
    }
    h
}

pub fn fnv1a_32(data: &[u8]) -> u32 {
    let mut h = FNV_32_INIT;
    for &b in data {
        h ^= signed(b);
        h = h.wrapping_mul(FNV_32_PRIME);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_keys_hash_as_the_textbook_fnv() {
        // FNV-1a 32 of "a" is 0xe40c292c (the reference's own test value).
        assert_eq!(fnv1a_32(b"a"), 0xe40c_292c);
        // fnv1_64 keeps the low 32 bits of FNV-1 64.
        let mut h = FNV_64_INIT;
        for &b in b"foobar" {
            h = h.wrapping_mul(FNV_64_PRIME) ^ u64::from(b);
        }
        assert_eq!(fnv1_64(b"foobar"), h as u32);
    }

    #[test]
    fn high_bytes_are_sign_extended() {
        // 0xe9 ("é" in Latin-1) is -23 as a signed char: 0xffffffe9 once widened.
        let mut h = FNV_32_INIT;
        h ^= 0xffff_ffe9;
        h = h.wrapping_mul(FNV_32_PRIME);
        assert_eq!(fnv1a_32(&[0xe9]), h);
        // The textbook hash XORs 0xe9 itself.
        assert_ne!(h, (FNV_32_INIT ^ 0xe9).wrapping_mul(FNV_32_PRIME));
        let mut h64 = FNV_64_INIT.wrapping_mul(FNV_64_PRIME);
        h64 ^= 0xffff_ffff_ffff_ffe9;
        assert_eq!(fnv1_64(&[0xe9]), h64 as u32);
    }
}
