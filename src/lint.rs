//! Everything in a server file that the library reads differently from what its author most
//! likely meant, found line by line (`ketama check`).
//!
//! The library stops at the first bad line and names only that one; an operator fixing a file
//! wants every problem at once, with the line an editor shows. So each `fgets` read is judged
//! on its own with the parser's own functions (the verdict can never drift from the library's),
//! and the surprises the library accepts silently are reported beside the errors.

use crate::continuum::{Continuum, Total, IP_LEN};
use crate::parse::{self, LineProblem, ParseError, MAX_ADDRESS, READ_CHUNK};
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
    // The weights summed as the library sums them, and where the sum first wraps around.
    let (mut total, mut wraps_at) = (0u64, None);
    let mut line = 1u32;
    let mut column = 1usize;
    let pieces: Vec<&[u8]> = parse::reads(data).collect();
    for (index, &piece) in pieces.iter().enumerate() {
        let read = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let mut note = |severity, code, message: String| {
            let message = if column > 1 {
                format!("bytes {column} on, read as a line of their own: {message}")
            } else {
                message
            };
            findings.push(Finding {
                line,
                read,
                severity,
                code,
                message,
            });
        };
        let ends_line = piece.ends_with(b"\n");
        if piece.len() == READ_CHUNK && !ends_line && index + 1 < pieces.len() {
            note(
                Severity::Warning,
                "long_line",
                format!(
                    "longer than the {READ_CHUNK} bytes the library reads at once: \
                     the rest is read as another line (and the library's line numbers \
                     after it are one higher)"
                ),
            );
        }
        let text = parse::c_string(piece);
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
                let addr = server.addr.escape_ascii().to_string();
                if let Some(first) = first_seen.get(&server.addr) {
                    note(
                        Severity::Warning,
                        "duplicate_server",
                        format!(
                            "server \"{addr}\" is already on line {first}: both get the same \
                             points and every tie goes to the first, so this line only gets \
                             keys from points the first does not have (none unless its weight \
                             is larger)"
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
                    "the line goes on after it (\"{}\")",
                    rest.trim_ascii_end().escape_ascii()
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
                "weight \"{}\" is read as {weight}: the library drops a weight's last character \
                 (meant to be the newline), and here {why}",
                token.escape_ascii()
            ),
        ));
    }
    let junk = ignored_after_digits(kept);
    if !junk.is_empty() {
        found.push((
            Severity::Warning,
            "weight_junk",
            format!(
                "weight \"{}\" is read as {weight}: \"{}\" after the digits is ignored",
                kept.escape_ascii(),
                junk.escape_ascii()
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
                "address \"{}\" is {} bytes: mcs.ip holds {} with no room for the terminating \
                 NUL, so C clients that print it see \"{}\" or read past it",
                addr.escape_ascii(),
                addr.len(),
                IP_LEN,
                addr[..IP_LEN].escape_ascii()
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
fn zero_points(c: &Continuum, server_lines: &[(u32, u32)]) -> Vec<Finding> {
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
                "server \"{}\" gets 0 points (floor({} / {total} × 40 × {}) = 0): \
                 no key maps to it",
                servers[i].addr.escape_ascii(),
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
        assert_eq!(
            found(data.as_bytes()),
            [(2, 2, "long_line"), (2, 2, "weight_truncated")]
        );
        let report = check(data.as_bytes());
        assert!(report.findings[1]
            .message
            .ends_with("here the line is cut at 126 bytes"));
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
