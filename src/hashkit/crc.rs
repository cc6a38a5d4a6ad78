//! CRC hashes: the standard CRC-32 (zlib's; crc32fast), twemproxy's `crc32` (libmemcached's:
//! 15 bits of it) and twemproxy's `crc16` (CRC-16/XMODEM's table, with a state it never cuts
//! back to 16 bits, so that it returns 32 bits of which only the low 16 are a CRC).

/// The standard CRC-32: zlib's `crc32`, PHP's `crc32()`, Ruby's `Zlib.crc32`, nginx's
/// `ngx_crc32_long`, twemproxy's `crc32a`.
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// twemproxy's (and libmemcached's) `crc32`: bits 16 to 30 of the standard CRC-32.
pub fn crc32_15(data: &[u8]) -> u32 {
    (crc32(data) >> 16) & 0x7fff
}

/// CRC-16/XMODEM's table (polynomial 0x1021, not reflected).
const CRC16: [u16; 256] = {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

/// twemproxy's `crc16`.
pub fn crc16(data: &[u8]) -> u32 {
    let mut crc: u32 = 0;
    for &b in data {
        crc = (crc << 8) ^ u32::from(CRC16[(((crc >> 8) ^ u32::from(b)) & 0xff) as usize]);
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_check_values() {
        // The check value of each CRC's catalogue entry: its CRC of "123456789".
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc16(b"123456789") & 0xffff, 0x31c3);
        assert_eq!(crc32_15(b"123456789"), (0xcbf4_3926 >> 16) & 0x7fff);
    }

    #[test]
    fn crc16_keeps_the_bits_it_shifts_out() {
        // Two bytes shift the first byte's table entry past bit 16.
        assert!(crc16(b"123456789") > 0xffff);
    }
}
