//! The little JSON the commands print, written by hand: flat records of strings and numbers
//! do not justify serde in a crate that C programs link.

use std::fmt::Write;

/// `bytes` as a JSON string literal; bytes that are not UTF-8 become U+FFFD.
pub fn string(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('"');
    for c in String::from_utf8_lossy(bytes).chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(s, "\\u{:04x}", u32::from(c));
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(string(b"a:1"), "\"a:1\"");
        assert_eq!(string(b"q\"b\\\n\t\x01"), "\"q\\\"b\\\\\\n\\t\\u0001\"");
        assert_eq!(string(b"\xff"), "\"\u{fffd}\"");
    }
}
