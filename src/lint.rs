//! Everything in a server file that the library reads differently from what its author most
//! likely meant, found line by line (`ketama check`).
//!
//! The library stops at the first bad line and names only that one; an operator fixing a file
//! wants every problem at once, with the line an editor shows. So each `fgets` read is judged
//! on its own with the parser's own functions (the verdict can never drift from the library's),
//! and the surprises the library accepts silently are reported beside the errors.

use crate::continuum::{Continuum, Server, Total, IP_LEN};
use crate::parse::{self, LineProblem, ParseError, MAX_ADDRESS, READ_CHUNK};
use crate::text::{invisible, quoted, without_line_end};
use std::collections::HashMap;

/// Whether the library rejects the file for it, or reads the file in a way that surprises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem. `line` is the line as an editor counts it (0 for the file as a whole); `read`
/// the library's line number, which counts 126-byte pieces of longer lines separately.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub line: u32,
    pub read: u32,
    pub severity: Severity,
    /// A stable name for scripts, such as `weight_truncated`.
    pub code: &'static str,
    pub message: String,
}

/// The verdict on a file: its findings in file order, and what the library makes of it.
#[derive(Debug)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// The continuum the library builds, when it accepts the file.
    pub continuum: Option<Continuum>,
}

/// Checks a server file's bytes.
pub fn check(data: &[u8]) -> Report {
    let mut findings = Vec::new();
    let mut first_seen: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut server_lines = Vec::new();
    let mut line_of_read = Vec::new();
    // The weights summed as the library sums them, and where the sum first wraps around.
    let (mut total, mut wraps_at) = (0u64, None);
    let mut line = 1u32;
    let mut column = 1usize;
    let pieces: Vec<&[u8]> = parse::reads(data).collect();
    for (index, &piece) in pieces.iter().enumerate() {
        let read = u32::try_from(index + 1).unwrap_or(u32::MAX);
        line_of_read.push(line);
        let mut note = |severity, code, message: String| {
            findings.push(Finding {
                line,
                read,
                severity,
                code,
                message,
            });
        };
        let ends_line = piece.ends_with(b"\n");
        let text = parse::c_string(piece);
        let mut address = parse::tokens(text)
            .next()
            .filter(|_| text.len() >= 2)
            .map(without_line_end);
        if index == 0 && text.starts_with(BOM) {
            let consequence = match address.map(|a| &a[BOM.len()..]) {
                Some(rest) if rest.starts_with(b"#") => {
                    ", so this comment is read as a server line".to_string()
                }
                Some(rest) if !rest.is_empty() => format!(
                    ", so the address it hashes is {}",
                    quoted(address.unwrap_or_default())
                ),
                _ => String::new(),
            };
            note(
                Severity::Warning,
                "byte_order_mark",
                format!(
                    "the file starts with a UTF-8 byte-order mark (EF BB BF), which the library \
                     reads as text of this line{consequence}: save the file without it"
                ),
            );
            address = address.map(|a| &a[BOM.len()..]);
        }
        if let Some(found) = address
            .filter(|a| !a.starts_with(b"#"))
            .and_then(hidden_character)
        {
            note(Severity::Warning, "invisible_character", found);
        }
        if text.len() < piece.len() {
            note(
                Severity::Warning,
                "nul_byte",
                format!(
                    "a NUL byte at byte {} ends the line for the library: the rest of it is ignored",
                    column + text.len()
                ),
            );
        }
        match parse::read_server(text) {
            None => {}
            Some(Err(problem)) => note(
                Severity::Error,
                problem_code(&problem),
                format!("{problem}: the library rejects the whole file"),
            ),
            Some(Ok(server)) => {
                let last = index + 1 == pieces.len();
                for (severity, code, message) in surprises(text, piece, last, server.weight) {
                    note(severity, code, message);
                }
                if let Some(first) = first_seen.get(&server.addr) {
                    note(
                        Severity::Warning,
                        "duplicate_server",
                        format!(
                            "server {} is already on line {first}: both get the same \
                             points and every tie goes to the first, so this line only gets \
                             keys from points the first does not have (none unless its weight \
                             is larger)",
                            quoted(&server.addr)
                        ),
                    );
                } else {
                    first_seen.insert(server.addr.clone(), line);
                }
                let (sum, over) = total.overflowing_add(server.weight);
                if over && wraps_at.is_none() {
                    wraps_at = Some((line, read));
                }
                total = sum;
                server_lines.push((line, read));
            }
        }
        if ends_line {
            line = line.saturating_add(1);
            column = 1;
        } else {
            column += piece.len();
        }
    }
    merge_long_lines(&mut findings, &pieces, &line_of_read);

    if let Some((line, read)) = wraps_at {
        findings.push(Finding {
            line,
            read,
            severity: Severity::Warning,
            code: "total_wraps",
            message: total_wraps(total),
        });
    }
    let whole_file = |code, message| Finding {
        line: 0,
        read: 0,
        severity: Severity::Error,
        code,
        message,
    };
    let continuum = match parse::parse(data) {
        Ok(servers) => match Continuum::build_with(servers, Total::Wrapping) {
            Ok(c) => {
                findings.extend(zero_points(&c, &server_lines));
                say_what_negative_weights_get(&mut findings, &c, &server_lines);
                Some(c)
            }
            Err(err) => {
                findings.push(match err.server() {
                    Some(index) => Finding {
                        line: server_lines[index].0,
                        read: server_lines[index].1,
                        severity: Severity::Error,
                        code: "undefined_points",
                        message: format!("{err}: the library rejects the whole file"),
                    },
                    None => whole_file("unbuildable", err.to_string()),
                });
                None
            }
        },
        Err(ParseError::NoServers) => {
            findings.push(whole_file(
                "no_servers",
                "no server lines: the library rejects a file without servers".to_string(),
            ));
            None
        }
        // Every line the parser rejects was reported above, read by read.
        Err(ParseError::Line { .. }) => None,
    };
    findings.sort_by_key(|f| f.read);
    Report {
        findings,
        continuum,
    }
}

/// The UTF-8 byte-order mark some editors write at the start of a file.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The first character of an address that looks like white space or like nothing at all:
/// the library hashes it with the rest, so the line names another server than it shows.
pub(crate) fn hidden_character(addr: &[u8]) -> Option<String> {
    let mut offset = 0;
    let (at, c) = addr.utf8_chunks().find_map(|chunk| {
        let found = chunk
            .valid()
            .char_indices()
            .find(|&(_, c)| c.is_control() || invisible(c).is_some())
            .map(|(at, c)| (offset + at, c));
        offset += chunk.valid().len() + chunk.invalid().len();
        found
    })?;
    let name = invisible(c).unwrap_or("CONTROL CHARACTER");
    Some(format!(
        "address {} holds U+{:04X} {name} at byte {}, which the library hashes as part of the \
         address (only spaces and tabs separate fields): this line names another server than \
         it shows",
        quoted(addr),
        u32::from(c),
        at + 1
    ))
}

/// What one read of a long line is to the library, in a few words.
fn verdict(read: Option<Result<Server, LineProblem>>) -> String {
    match read {
        None => "skipped".to_string(),
        Some(Ok(server)) => format!(
            "server {} of weight {}",
            quoted(&server.addr),
            server.weight
        ),
        Some(Err(problem)) => format!("{}, which rejects the whole file", short(&problem)),
    }
}

/// A rejected line's problem without the text it quotes (a long line's pieces can be long).
fn short(problem: &LineProblem) -> String {
    match problem {
        LineProblem::Blank => "white space only".to_string(),
        LineProblem::AddressTooLong { addr } => {
            format!("an address of {} bytes (at most {MAX_ADDRESS})", addr.len())
        }
        LineProblem::MissingWeight { .. } => "an address without a weight".to_string(),
        LineProblem::WeightNotNumber { .. } => "a weight that is not a number".to_string(),
        LineProblem::WeightOutOfRange { .. } => "a weight larger than a signed long".to_string(),
        LineProblem::WeightZero { .. } => "weight 0".to_string(),
    }
}

/// Replaces the findings of each line the library reads in several pieces with one that says
/// what it makes of each piece, and what to do: the length is the one cause of them all.
/// Called on the findings of the reads alone, before those of the file as a whole (weights,
/// points), which stay beside it.
fn merge_long_lines(findings: &mut Vec<Finding>, pieces: &[&[u8]], line_of_read: &[u32]) {
    let mut start = 0;
    while start < pieces.len() {
        let line = line_of_read[start];
        let end = start
            + line_of_read[start..]
                .iter()
                .take_while(|&&l| l == line)
                .count();
        if end - start > 1 {
            let mut offset = 0;
            let mut parts = Vec::new();
            let mut rejected_at = None;
            for (index, piece) in pieces.iter().enumerate().take(end).skip(start) {
                let read = parse::read_server(parse::c_string(piece));
                if matches!(read, Some(Err(_))) && rejected_at.is_none() {
                    rejected_at = Some(index as u32 + 1);
                }
                let kept = piece.strip_suffix(b"\n").unwrap_or(piece).len();
                let what = match read {
                    None if index == start => "a comment".to_string(),
                    read => verdict(read),
                };
                parts.push(if kept == 0 {
                    format!("its newline: {what}")
                } else {
                    format!("bytes {}-{}: {what}", offset + 1, offset + kept)
                });
                offset += piece.len();
            }
            let advice = if pieces[start].starts_with(b"#") {
                "split the comment into lines of at most 125 bytes, each starting with \"#\""
            } else {
                "shorten the line to at most 125 bytes before its newline (a comment goes on a \
                 line of its own)"
            };
            findings.retain(|f| f.line != line);
            findings.push(Finding {
                line,
                read: rejected_at.unwrap_or(start as u32 + 1),
                severity: match rejected_at {
                    Some(_) => Severity::Error,
                    None => Severity::Warning,
                },
                code: "long_line",
                message: format!(
                    "a line of {offset} bytes with its newline, which the library reads \
                     {READ_CHUNK} bytes at a time, as {} lines ({}): {advice}",
                    end - start,
                    parts.join("; ")
                ),
            });
        }
        start = end;
    }
}

/// What an accepted server line means that its text does not say: a weight losing a digit,
/// text after the digits that is ignored, an address that fills `mcs.ip`.
fn surprises(
    text: &[u8],
    piece: &[u8],
    last: bool,
    weight: u64,
) -> Vec<(Severity, &'static str, String)> {
    let mut found = Vec::new();
    let mut toks = parse::tokens(text);
    let (Some(addr), Some(token)) = (toks.next(), toks.next()) else {
        return found;
    };
    let after: Vec<&[u8]> = toks.collect();
    let kept = &token[..token.len() - 1];
    if parse::strtol(token) != parse::strtol(kept) {
        let why = if !after.is_empty() {
            let rest = after.join(&b' ');
            if rest.iter().all(u8::is_ascii_whitespace) {
                "white space follows it on the line".to_string()
            } else {
                format!(
                    "the line goes on after it ({})",
                    quoted(rest.trim_ascii_end())
                )
            }
        } else if text.len() < piece.len() {
            "a NUL byte follows it".to_string()
        } else if last {
            "the file ends without a newline".to_string()
        } else {
            format!("the line is cut at {READ_CHUNK} bytes")
        };
        found.push((
            Severity::Warning,
            "weight_truncated",
            format!(
                "weight {} is read as {weight}: the library drops a weight's last character \
                 (meant to be the newline), and here {why}",
                quoted(without_line_end(token))
            ),
        ));
    }
    let junk = ignored_after_digits(kept);
    if !junk.is_empty() {
        found.push((
            Severity::Warning,
            "weight_junk",
            format!(
                "weight {} is read as {weight}: {} after the digits is ignored",
                quoted(kept),
                quoted(junk)
            ),
        ));
    }
    if weight > i64::MAX as u64 {
        found.push((
            Severity::Warning,
            "weight_negative",
            format!(
                "weight {} is read as {weight}: the library keeps weights in an unsigned long, \
                 where a negative one wraps around to 2^64 - {}",
                weight as i64,
                weight.wrapping_neg()
            ),
        ));
    }
    if (IP_LEN..=MAX_ADDRESS).contains(&addr.len()) {
        found.push((
            Severity::Warning,
            "address_fills_ip",
            format!(
                "address {} is {} bytes: mcs.ip holds {} with no room for the terminating \
                 NUL, so C clients that print it see {} or read past it",
                quoted(addr),
                addr.len(),
                IP_LEN,
                quoted(&addr[..IP_LEN])
            ),
        ));
    }
    found
}

/// What `strtol` leaves unread of a weight, less the `\r` of a CRLF line.
fn ignored_after_digits(number: &[u8]) -> &[u8] {
    let rest = parse::after_digits(number);
    rest.strip_suffix(b"\r").unwrap_or(rest)
}

/// What a total that wrapped around past `ULONG_MAX` does to the servers' shares.
fn total_wraps(total: u64) -> String {
    let shares = if total == 0 {
        "every server's share of it is a division by zero"
    } else {
        "the servers' shares of it add up to far more than the whole ring"
    };
    format!(
        "the weights add up past ULONG_MAX (18446744073709551615) on this line, and the \
         library's unsigned long total wraps around to {total}: {shares}"
    )
}

/// Servers whose share of 40 × n digests rounds down to none: no key ever maps to them.
pub(crate) fn zero_points(c: &Continuum, server_lines: &[(u32, u32)]) -> Vec<Finding> {
    let servers = c.servers();
    // As the library sums them (a file that rolls never wraps, so this is the plain sum).
    let total = servers.iter().fold(0u64, |t, s| t.wrapping_add(s.weight));
    (0..servers.len())
        .filter(|&i| c.server_info(i).is_some_and(|info| info.points == 0))
        .map(|i| Finding {
            line: server_lines[i].0,
            read: server_lines[i].1,
            severity: Severity::Warning,
            code: "zero_points",
            message: format!(
                "server {} gets 0 points (floor({} / {total} × 40 × {}) = 0): \
                 no key maps to it",
                quoted(&servers[i].addr),
                servers[i].weight,
                servers.len()
            ),
        })
        .collect()
}

/// Completes each negative weight's warning with what its server gets of the ring.
fn say_what_negative_weights_get(
    findings: &mut [Finding],
    c: &Continuum,
    server_lines: &[(u32, u32)],
) {
    let all = c.points().len();
    for f in findings.iter_mut().filter(|f| f.code == "weight_negative") {
        let Some(index) = server_lines.iter().position(|&(_, read)| read == f.read) else {
            continue;
        };
        let points = c.server_info(index).map_or(0, |info| info.points) as usize;
        let gets = match points {
            0 => format!("no point of the {all}"),
            p if p == all => format!("the whole ring (all {all} points)"),
            p => format!("{p} of the {all} points"),
        };
        f.message.push_str(&format!(", so this server gets {gets}"));
    }
}

/// The name scripts see for each way a line rejects the file.
fn problem_code(problem: &LineProblem) -> &'static str {
    match problem {
        LineProblem::Blank => "blank_line",
        LineProblem::AddressTooLong { .. } => "address_too_long",
        LineProblem::MissingWeight { .. } => "missing_weight",
        LineProblem::WeightNotNumber { .. } => "weight_not_number",
        LineProblem::WeightOutOfRange { .. } => "weight_out_of_range",
        LineProblem::WeightZero { .. } => "weight_zero",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (line, library line, code) of each finding.
    fn found(data: &[u8]) -> Vec<(u32, u32, &'static str)> {
        check(data)
            .findings
            .iter()
            .map(|f| (f.line, f.read, f.code))
            .collect()
    }

    #[test]
    fn clean_file_has_no_findings_and_its_continuum() {
        let report = check(b"# pool\na:1 100\r\nb:1\t+200\n\n");
        assert_eq!(report.findings, []);
        assert_eq!(report.continuum.unwrap().servers().len(), 2);
    }

    #[test]
    fn white_space_after_the_weight_costs_a_digit() {
        let report = check(b"a:1 100 \nb:1 100\n");
        assert_eq!(report.findings[0].code, "weight_truncated");
        assert!(report.findings[0]
            .message
            .ends_with("here white space follows it on the line"));
        assert_eq!(report.continuum.unwrap().servers()[0].weight, 10);
    }

    #[test]
    fn a_weight_cut_at_126_bytes_is_explained_on_the_editor_line() {
        let line = format!("a:1{}100\n", " ".repeat(120));
        assert_eq!(line.len(), 127);
        let data = format!("b:1 5\n{line}c:1 5\n");
        assert_eq!(found(data.as_bytes()), [(2, 2, "long_line")]);
        let report = check(data.as_bytes());
        assert_eq!(
            report.findings[0].message,
            "a line of 127 bytes with its newline, which the library reads 126 bytes at a time, \
             as 2 lines (bytes 1-126: server \"a:1\" of weight 10; its newline: skipped): \
             shorten the line to at most 125 bytes before its newline (a comment goes on a line \
             of its own)"
        );
        assert_eq!(report.findings[0].severity, Severity::Warning);
    }

    #[test]
    fn a_long_comment_is_one_finding_with_advice_for_comments() {
        let data = format!("#{}\na:1 5\n", "x".repeat(299));
        let report = check(data.as_bytes());
        assert_eq!(found(data.as_bytes()), [(1, 2, "long_line")]);
        assert_eq!(report.findings[0].severity, Severity::Error);
        assert_eq!(
            report.findings[0].message,
            "a line of 301 bytes with its newline, which the library reads 126 bytes at a time, \
             as 3 lines (bytes 1-126: a comment; bytes 127-252: an address of 126 bytes (at most \
             23), which rejects the whole file; bytes 253-300: an address of 48 bytes (at most \
             23), which rejects the whole file): split the comment into lines of at most 125 \
             bytes, each starting with \"#\""
        );
        // A piece that happens to read as a server: accepted, but a server nobody wrote.
        let data = format!("#{} b:2 50\na:1 5\n", "x".repeat(124));
        let report = check(data.as_bytes());
        assert_eq!(found(data.as_bytes()), [(1, 1, "long_line")]);
        assert!(report.findings[0]
            .message
            .contains("bytes 127-132: server \"b:2\" of weight 50"));
        assert_eq!(report.continuum.unwrap().servers().len(), 2);
    }

    #[test]
    fn byte_order_mark_and_invisible_characters_are_named() {
        let data = "\u{feff}10.0.0.1:11211 100\n10.0.0.2:11211\u{a0}100\n\
                    10.0.0.3\u{200b}:11211 100\n\r 5\n";
        assert_eq!(
            found(data.as_bytes()),
            [
                (1, 1, "byte_order_mark"),
                (2, 2, "invisible_character"),
                (2, 2, "missing_weight"),
                (3, 3, "invisible_character"),
                (4, 4, "invisible_character")
            ]
        );
        let report = check(data.as_bytes());
        assert_eq!(
            report.findings[0].message,
            "the file starts with a UTF-8 byte-order mark (EF BB BF), which the library reads \
             as text of this line, so the address it hashes is \"\\xef\\xbb\\xbf10.0.0.1:11211\": \
             save the file without it"
        );
        assert_eq!(
            report.findings[3].message,
            "address \"10.0.0.3\\xe2\\x80\\x8b:11211\" holds U+200B ZERO WIDTH SPACE at byte 9, \
             which the library hashes as part of the address (only spaces and tabs separate \
             fields): this line names another server than it shows"
        );
        assert!(report.findings[4]
            .message
            .contains("U+000D CONTROL CHARACTER"));
        // A mark before a comment turns it into a server line the library rejects.
        assert_eq!(
            found("\u{feff}# pool\na:1 5\n".as_bytes()),
            [(1, 1, "byte_order_mark"), (1, 1, "weight_not_number")]
        );
        // Comments may hold anything.
        assert_eq!(found("# caf\u{e9}\u{a0}\u{200b}\na:1 5\n".as_bytes()), []);
    }

    #[test]
    fn nul_byte_ends_the_line() {
        let report = check(b"a:1 50\0junk\nb:1 7\n");
        assert_eq!(
            found(b"a:1 50\0junk\nb:1 7\n"),
            [(1, 1, "nul_byte"), (1, 1, "weight_truncated")]
        );
        assert!(report.findings[1]
            .message
            .ends_with("a NUL byte follows it"));
    }

    #[test]
    fn every_bad_line_is_reported_after_the_first() {
        assert_eq!(
            found(b"a:1 100\r\n\r\nb:1 1.5\n\nc:1\n"),
            [
                (2, 2, "blank_line"),
                (3, 3, "weight_junk"),
                (5, 5, "missing_weight")
            ]
        );
    }

    #[test]
    fn junk_after_the_digits_is_named() {
        let report = check(b"a:1 1e3\n");
        assert_eq!(
            report.findings[0].message,
            "weight \"1e3\" is read as 1: \"e3\" after the digits is ignored"
        );
        assert_eq!(ignored_after_digits(b" -12\r"), b"");
        assert_eq!(ignored_after_digits(b"+3,000"), b",000");
    }

    #[test]
    fn a_wrapping_total_is_shown_where_it_wraps_and_refused_where_the_library_stops() {
        let max = i64::MAX;
        // Three LONG_MAX wrap to 2^63 - 3 on line 4: a and b get 120 digests each, and b's
        // pass the 120 the original has room for.
        let data = format!("a:1 {max}\n# c\nb:1 {max}\nc:1 {max}\n");
        assert_eq!(
            found(data.as_bytes()),
            [(3, 3, "undefined_points"), (4, 4, "total_wraps")]
        );
        let report = check(data.as_bytes());
        assert!(report.continuum.is_none());
        assert_eq!(
            report.findings[1].message,
            "the weights add up past ULONG_MAX (18446744073709551615) on this line, and the \
             library's unsigned long total wraps around to 9223372036854775805: the servers' \
             shares of it add up to far more than the whole ring"
        );
        // Wrapping to 0: the first server's share is where the library stops.
        assert_eq!(
            found(b"a:1 -1\nb:1 1\n"),
            [
                (1, 1, "weight_negative"),
                (1, 1, "undefined_points"),
                (2, 2, "total_wraps")
            ]
        );
        assert!(check(b"a:1 -1\nb:1 1\n").findings[2]
            .message
            .ends_with("wraps around to 0: every server's share of it is a division by zero"));
    }

    #[test]
    fn a_negative_weight_is_explained_with_what_its_server_gets() {
        let report = check(b"a:1 -10\nb:1 3\n");
        assert_eq!(
            found(b"a:1 -10\nb:1 3\n"),
            [(1, 1, "weight_negative"), (2, 2, "zero_points")]
        );
        assert_eq!(
            report.findings[0].message,
            "weight -10 is read as 18446744073709551606: the library keeps weights in an \
             unsigned long, where a negative one wraps around to 2^64 - 10, so this server \
             gets the whole ring (all 320 points)"
        );
        // About half of 2^64 - 1 each: a negative weight that does not take everything.
        let halves = format!("a:1 -{}\nb:1 {}\n", i64::MAX, i64::MAX - 1);
        let report = check(halves.as_bytes());
        assert!(
            report.findings[0]
                .message
                .ends_with("so this server gets 160 of the 320 points"),
            "{:?}",
            report.findings
        );
        assert_eq!(report.findings.len(), 1);
        // In a file the library rejects for another line, the warning says what the weight
        // is read as, and the line is the error.
        assert_eq!(
            found(b"a:1 -1\nb:1\n"),
            [(1, 1, "weight_negative"), (2, 2, "missing_weight")]
        );
        assert!(check(b"a:1 -1\nb:1\n").findings[0]
            .message
            .ends_with("wraps around to 2^64 - 1"));
    }
}
