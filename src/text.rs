//! Bytes of a server file as messages show them to people (`ketama_error()`, `ketama check`):
//! between plain double quotes, readable text as it is, and what cannot be seen spelled out
//! in C's escapes, so that a byte-order mark or a no-break space inside an address shows.

use std::fmt;

/// Characters that print as nothing or as an ordinary space, with the names `ketama check`
/// gives them: a server file holding one looks right and means another server.
pub fn invisible(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{00A0}' => "NO-BREAK SPACE",
        '\u{00AD}' => "SOFT HYPHEN",
        '\u{034F}' => "COMBINING GRAPHEME JOINER",
        '\u{061C}' => "ARABIC LETTER MARK",
        '\u{180E}' => "MONGOLIAN VOWEL SEPARATOR",
        '\u{2000}'..='\u{200A}' => "SPACE",
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200C}' => "ZERO WIDTH NON-JOINER",
        '\u{200D}' => "ZERO WIDTH JOINER",
        '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {
            "BIDIRECTIONAL FORMATTING CHARACTER"
        }
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        '\u{202F}' => "NARROW NO-BREAK SPACE",
        '\u{205F}' => "MEDIUM MATHEMATICAL SPACE",
        '\u{2060}' => "WORD JOINER",
        '\u{2061}'..='\u{2064}' => "INVISIBLE OPERATOR",
        '\u{3000}' => "IDEOGRAPHIC SPACE",
        '\u{3164}' | '\u{FFA0}' => "HANGUL FILLER",
        '\u{FE00}'..='\u{FE0F}' => "VARIATION SELECTOR",
        '\u{FEFF}' => "BYTE ORDER MARK (ZERO WIDTH NO-BREAK SPACE)",
        _ => return None,
    })
}

/// `bytes` between double quotes: valid UTF-8 that shows as itself, and everything else
/// (control characters, invalid UTF-8, the invisible characters above) as C escapes of its
/// bytes (`\r`, `\t`, `\xc2\xa0`).
pub fn quoted(bytes: &[u8]) -> Quoted<'_> {
    Quoted(bytes)
}

/// What a line's token shows: without the line end (`\n` or `\r\n`) it was read with.
pub fn without_line_end(token: &[u8]) -> &[u8] {
    match token.strip_suffix(b"\n") {
        Some(rest) => rest.strip_suffix(b"\r").unwrap_or(rest),
        None => token,
    }
}

pub struct Quoted<'a>(&'a [u8]);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for chunk in self.0.utf8_chunks() {
            for c in chunk.valid().chars() {
                if c.is_control() || invisible(c).is_some() {
                    let mut buf = [0; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        write!(f, "{}", std::ascii::escape_default(b))?;
                    }
                } else {
                    write!(f, "{c}")?;
                }
            }
            for &b in chunk.invalid() {
                write!(f, "\\x{b:02x}")?;
            }
        }
        f.write_str("\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_text_is_plain_and_the_rest_is_escaped() {
        assert_eq!(quoted(b"10.0.0.1:11211").to_string(), "\"10.0.0.1:11211\"");
        assert_eq!(quoted("caché:1".as_bytes()).to_string(), "\"caché:1\"");
        assert_eq!(quoted(b"a\r\tb").to_string(), "\"a\\r\\tb\"");
        assert_eq!(
            quoted("\u{feff}10.0.0.1\u{a0}1".as_bytes()).to_string(),
            "\"\\xef\\xbb\\xbf10.0.0.1\\xc2\\xa01\""
        );
        assert_eq!(quoted(b"\xff\x01").to_string(), "\"\\xff\\x01\"");
    }

    #[test]
    fn only_the_line_end_is_dropped() {
        assert_eq!(without_line_end(b"50\n"), b"50");
        assert_eq!(without_line_end(b"50\r\n"), b"50");
        assert_eq!(without_line_end(b"50\r"), b"50\r");
        assert_eq!(without_line_end(b"5"), b"5");
    }
}
