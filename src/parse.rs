//! The server file, read the way libketama 1.x reads it.
//!
//! The original reads with `fgets(buf, 127, f)`, splits with `strtok(buf, "\t ")` and parses
//! the weight with `strtol` after dropping the token's last character. Each of those leaves a
//! trace in which files are accepted and what they mean, and every client of a fleet must read
//! a file the same way, so this module reproduces them on purpose; each quirk is named where
//! it is handled. What the original's arithmetic makes of the weights (a negative one is a
//! huge `unsigned long`, the total wraps around) is the continuum's business, once the whole
//! file is read: see `Continuum::build_with` and `Total::Wrapping`.

use crate::continuum::Server;
use crate::text::{quoted, without_line_end};
use std::fmt;

/// Bytes one `fgets(buf, 127, f)` returns at most: a longer line is read as several.
pub const READ_CHUNK: usize = 126;

/// Longest address the original accepts (`strlen(tok) - 1 < 23`).
pub const MAX_ADDRESS: usize = 23;

/// Why a file was rejected. `line` counts `fgets` reads from 1, as the original's messages do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// No server line at all (empty file, only comments and blank lines).
    NoServers,
    /// A line rejected for what it holds.
    Line { line: u32, problem: LineProblem },
}

/// What is wrong with a rejected line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineProblem {
    /// Only spaces, tabs, CR or other white space: the original rejects the whole file for it.
    Blank,
    /// The address does not fit the original's 23-byte limit.
    AddressTooLong { addr: Vec<u8> },
    /// An address with nothing after it.
    MissingWeight { addr: Vec<u8> },
    /// No digits left once the weight's last character is dropped.
    WeightNotNumber { token: Vec<u8> },
    /// Beyond what `strtol` represents (`ERANGE`).
    WeightOutOfRange { token: Vec<u8> },
    /// Weight 0.
    WeightZero { addr: Vec<u8> },
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineProblem::Blank => write!(
                f,
                "line holds only white space (a blank line must be empty; CR and tabs count as text)"
            ),
            LineProblem::AddressTooLong { addr } => write!(
                f,
                "address {} is {} bytes long; a server file allows at most {MAX_ADDRESS}",
                quoted(addr),
                addr.len()
            ),
            LineProblem::MissingWeight { addr } => write!(
                f,
                "no weight after address {} (separate it with a space or a tab)",
                quoted(addr)
            ),
            // A weight read with its newline only lost the newline; one without lost a
            // character the line shows.
            LineProblem::WeightNotNumber { token } if token.ends_with(b"\n") => write!(
                f,
                "weight {} is not a number",
                quoted(without_line_end(token))
            ),
            LineProblem::WeightNotNumber { token } => write!(
                f,
                "weight {} is not a number once its last character is dropped \
                 (the last character of a weight is always dropped, as if it were the newline)",
                quoted(token)
            ),
            LineProblem::WeightOutOfRange { token } => write!(
                f,
                "weight {} is larger than a signed long",
                quoted(without_line_end(token))
            ),
            LineProblem::WeightZero { addr } => {
                write!(f, "weight of {} is 0", quoted(addr))
            }
        }
    }
}

/// Splits `data` the way successive `fgets(buf, 127, f)` calls do: each read as it comes,
/// newline included. Public so that `lint` sees the same reads the parser does.
pub fn reads(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = data;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let limit = rest.len().min(READ_CHUNK);
        let len = rest[..limit]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(limit, |nl| nl + 1);
        let (piece, tail) = rest.split_at(len);
        rest = tail;
        Some(piece)
    })
}

/// The C string a read becomes: everything before its first NUL byte.
pub fn c_string(piece: &[u8]) -> &[u8] {
    &piece[..piece.iter().position(|&b| b == 0).unwrap_or(piece.len())]
}

/// The tokens `strtok(line, "\t ")` returns, in order.
pub fn tokens(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|&b| b == b'\t' || b == b' ')
        .filter(|t| !t.is_empty())
}

/// C's `isspace` in the "C" locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// A number as `strtol(s, &end, 10)` scans it: whether it is negative, its digits, and what
/// follows them.
fn number_parts(s: &[u8]) -> (bool, &[u8], &[u8]) {
    let s = &s[s.iter().position(|&b| !is_c_space(b)).unwrap_or(s.len())..];
    let (negative, rest) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    (negative, &rest[..n], &rest[n..])
}

/// What follows the digits of a number `strtol` reads, and it ignores.
pub fn after_digits(s: &[u8]) -> &[u8] {
    number_parts(s).2
}

/// `strtol(s, &end, 10)`: `None` when no digit is read, `Err(())` on `ERANGE`.
pub fn strtol(s: &[u8]) -> Option<Result<i64, ()>> {
    let (negative, digits, _) = number_parts(s);
    if digits.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for &d in digits {
        let d = i64::from(d - b'0');
        let next = value.checked_mul(10).and_then(|v| {
            if negative {
                v.checked_sub(d)
            } else {
                v.checked_add(d)
            }
        });
        match next {
            Some(v) => value = v,
            None => return Some(Err(())),
        }
    }
    Some(Ok(value))
}

/// What the original makes of one read (as a C string): `None` when it skips it (shorter
/// than 2 bytes, or a comment), else the server or why the file is rejected there.
pub fn read_server(line: &[u8]) -> Option<Result<Server, LineProblem>> {
    if line.len() < 2 || line[0] == b'#' {
        return None;
    }
    Some(server_line(line))
}

/// Reads one server line (already known not to be a comment or too short).
fn server_line(line: &[u8]) -> Result<Server, LineProblem> {
    let mut toks = tokens(line);
    // An address of white space other than tab and space (`\r`, `\v`, `\f`) is still an
    // address to the original: "\r 50" is a server.
    let Some(addr) = toks.next() else {
        return Err(LineProblem::Blank);
    };
    let token = toks.next();
    if token.is_none() && addr.iter().all(|&b| is_c_space(b)) {
        return Err(LineProblem::Blank);
    }
    // Alone on its line, the address token ends with the newline: not part of the address,
    // though the original counts it against the 23 bytes (the line fails either way).
    let addr = if token.is_some() {
        addr
    } else {
        addr.trim_ascii_end()
    };
    if addr.len() > MAX_ADDRESS {
        return Err(LineProblem::AddressTooLong {
            addr: addr.to_vec(),
        });
    }
    let Some(token) = token else {
        return Err(LineProblem::MissingWeight {
            addr: addr.to_vec(),
        });
    };
    // The original copies the token minus its last byte, meaning to drop the newline.
    let number = &token[..token.len() - 1];
    let weight = match strtol(number) {
        None => {
            return Err(LineProblem::WeightNotNumber {
                token: token.to_vec(),
            })
        }
        Some(Err(())) => {
            return Err(LineProblem::WeightOutOfRange {
                token: token.to_vec(),
            })
        }
        Some(Ok(0)) => {
            return Err(LineProblem::WeightZero {
                addr: addr.to_vec(),
            })
        }
        // The original stores strtol's long in an unsigned long: -1 is 2^64 - 1.
        Some(Ok(w)) => w as u64,
    };
    Ok(Server::new(addr, weight))
}

/// Parses a whole server file: the servers in file order, or why the file is rejected.
pub fn parse(data: &[u8]) -> Result<Vec<Server>, ParseError> {
    parse_with_lines(data).map(|(servers, _)| servers)
}

/// `parse`, with the line each server is read from (counted as the original counts them), for
/// the messages about a server that only the whole file shows.
pub fn parse_with_lines(data: &[u8]) -> Result<(Vec<Server>, Vec<u32>), ParseError> {
    let (mut servers, mut lines) = (Vec::new(), Vec::new());
    for (index, piece) in reads(data).enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let Some(read) = read_server(c_string(piece)) else {
            continue;
        };
        servers.push(read.map_err(|problem| ParseError::Line { line, problem })?);
        lines.push(line);
    }
    if servers.is_empty() {
        return Err(ParseError::NoServers);
    }
    Ok((servers, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> Result<Server, LineProblem> {
        match parse(line.as_bytes()) {
            Ok(mut s) => {
                assert_eq!(s.len(), 1);
                Ok(s.remove(0))
            }
            Err(ParseError::Line { problem, .. }) => Err(problem),
            Err(e) => panic!("unexpected {e:?}"),
        }
    }

    fn weight(line: &str) -> u64 {
        one(line).expect("line should parse").weight
    }

    fn problem_line(data: &[u8]) -> u32 {
        match parse(data) {
            Err(ParseError::Line { line, .. }) => line,
            other => panic!("expected a line error, got {other:?}"),
        }
    }

    #[test]
    fn weight_loses_its_last_character() {
        assert_eq!(weight("a:1 600\n"), 600);
        assert_eq!(weight("a:1 600"), 60);
        assert_eq!(weight("a:1\t600 # note\n"), 60);
        assert_eq!(weight("a:1 600\r\n"), 600);
        assert_eq!(
            one("a:1 7"),
            Err(LineProblem::WeightNotNumber {
                token: b"7".to_vec()
            })
        );
    }

    #[test]
    fn weight_is_read_by_strtol() {
        assert_eq!(weight("a:1 +250\n"), 250);
        assert_eq!(weight("a:1 100MB\n"), 100);
        assert_eq!(weight("a:1 \x0b42\n"), 42);
        assert_eq!(weight("a:1 9223372036854775807\n"), i64::MAX as u64);
        assert!(matches!(
            one("a:1 9223372036854775808\n"),
            Err(LineProblem::WeightOutOfRange { .. })
        ));
        // A negative long becomes an unsigned long.
        assert_eq!(weight("a:1 -5\n"), u64::MAX - 4);
        assert_eq!(weight("a:1 -1\n"), u64::MAX);
        assert_eq!(weight(&format!("a:1 {}\n", i64::MIN)), 1 << 63);
        assert!(matches!(
            one(&format!("a:1 {}9\n", i64::MIN)),
            Err(LineProblem::WeightOutOfRange { .. })
        ));
        assert!(matches!(
            one("a:1 lots\n"),
            Err(LineProblem::WeightNotNumber { .. })
        ));
        assert!(matches!(
            one("a:1 0\n"),
            Err(LineProblem::WeightZero { .. })
        ));
        assert!(matches!(
            one("a:1 -0\n"),
            Err(LineProblem::WeightZero { .. })
        ));
    }

    #[test]
    fn address_limit_is_23_bytes() {
        let a23 = "x".repeat(23);
        assert_eq!(one(&format!("{a23} 5\n")).unwrap().addr, a23.as_bytes());
        assert!(matches!(
            one(&format!("{}x 5\n", a23)),
            Err(LineProblem::AddressTooLong { .. })
        ));
    }

    #[test]
    fn blank_and_short_lines() {
        // Shorter than two bytes: skipped.
        assert_eq!(parse(b"\n\na:1 5\n").unwrap().len(), 1);
        // White space only: the whole file fails, at that line.
        assert_eq!(problem_line(b"a:1 5\n\t\n"), 2);
        assert_eq!(problem_line(b"a:1 5\r\n\r\n"), 2);
        assert_eq!(problem_line(b"a:1 5\n  \n"), 2);
        assert_eq!(
            one("a:1\n"),
            Err(LineProblem::MissingWeight {
                addr: b"a:1".to_vec()
            })
        );
        // A 23-byte address alone: the weight is what is missing, not room.
        let alone = format!("{}\n", "x".repeat(23));
        assert!(matches!(
            one(&alone),
            Err(LineProblem::MissingWeight { .. })
        ));
    }

    #[test]
    fn white_space_other_than_tab_and_space_is_an_address() {
        // The original keeps "\r 50" as server "\r" of weight 50.
        let servers = parse(b"10.0.0.1:11211 100\n\r 50\n").unwrap();
        assert_eq!(servers[1].addr, b"\r");
        assert_eq!(servers[1].weight, 50);
        // And so a later bad line is the one reported.
        assert_eq!(problem_line(b"\r\x0b\r 50\r\nbad\n"), 2);
    }

    #[test]
    fn long_lines_are_read_in_126_byte_pieces() {
        let comment = format!("#{}\n", "x".repeat(200));
        let file = format!("{comment}a:1 5\n");
        // The comment's second piece is not a comment: it is an over-long address on line 2.
        assert_eq!(problem_line(file.as_bytes()), 2);
        // A weight pushed past byte 126 becomes its own line.
        let line = format!("a:1{}5\n", " ".repeat(130));
        assert_eq!(problem_line(line.as_bytes()), 1);
    }

    #[test]
    fn nul_ends_the_line_for_parsing() {
        let servers = parse(b"a:1 50\0junk\nb:2 7\n").unwrap();
        assert_eq!(servers[0].weight, 5);
        assert_eq!(servers[1].weight, 7);
    }

    #[test]
    fn empty_and_comment_only_files_have_no_servers() {
        assert_eq!(parse(b""), Err(ParseError::NoServers));
        assert_eq!(parse(b"# x\n#y 5\n\n"), Err(ParseError::NoServers));
    }

    #[test]
    fn weights_are_not_summed_here() {
        // Negative weights and sums past ULONG_MAX are the continuum's to judge: the parser
        // reads every line, so a later bad line is the one reported, as the original does.
        let max = i64::MAX;
        let three = format!("a:1 {max}\nb:1 {max}\nc:1 {max}\n");
        assert_eq!(parse(three.as_bytes()).unwrap().len(), 3);
        assert_eq!(problem_line(b"a:1 -1\nb:1\n"), 2);
        let wrapping = format!("a:1 {max}\nb:1 {max}\nc:1 2\nd:1\n");
        assert_eq!(problem_line(wrapping.as_bytes()), 4);
    }

    #[test]
    fn servers_come_with_their_lines() {
        let (servers, lines) = parse_with_lines(b"# pool\na:1 5\n\nb:1 -7\n").unwrap();
        assert_eq!(servers.len(), 2);
        assert_eq!(servers[1].weight, u64::MAX - 6);
        assert_eq!(lines, [2, 4]);
    }
}
