//! Bob Jenkins' one-at-a-time hash, as libmemcached (its default hash) and twemproxy write it:
//! over the bytes as signed chars.

use super::signed;

pub fn one_at_a_time(data: &[u8]) -> u32 {
    let mut v: u32 = 0;
    for &b in data {
        v = v.wrapping_add(signed(b));
        v = v.wrapping_add(v << 10);
        v ^= v >> 6;
    }
    v = v.wrapping_add(v << 3);
    v ^= v >> 11;
    v.wrapping_add(v << 15)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_past_0x7f_are_sign_extended() {
        // The same as the unsigned hash below 0x80, different from it above.
        let unsigned = |data: &[u8]| {
            let mut v: u32 = 0;
            for &b in data {
                v = v.wrapping_add(u32::from(b));
                v = v.wrapping_add(v << 10);
                v ^= v >> 6;
            }
            v = v.wrapping_add(v << 3);
            v ^= v >> 11;
            v.wrapping_add(v << 15)
        };
        assert_eq!(one_at_a_time(b"key:1"), unsigned(b"key:1"));
        assert_ne!(
            one_at_a_time("café".as_bytes()),
            unsigned("café".as_bytes())
        );
        assert_eq!(one_at_a_time(b""), 0);
    }
}
