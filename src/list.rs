//! A server list read under the in-memory API's rules: the servers a program hands to
//! `create_ketama` (an nginx module's configuration, the PHP and Python bindings), written one
//! a line for `ketama --rules memory`.
//!
//! A server file (`parse`) is read as libketama 1.x reads it, quirks and all: addresses of at
//! most 23 bytes, a weight that loses its last character. The in-memory API has none of them:
//! the whole address is hashed whatever its length (`cache-a.example.com:11211`), and a weight
//! is the number given. So a list is read the plain way: `ADDRESS WEIGHT [NAME]` a line,
//! separated by spaces or tabs; blank lines, and everything from a field starting with `#`, are
//! ignored; a line ends at `\n` (a `\r` before it is dropped); the weight is decimal digits, 1
//! to 2^64 - 1 (an `unsigned long`). The name, where given, is what the flavor hashes for the
//! server in place of what it derives from the address (twemproxy's named servers).

use crate::continuum::{BuildError, Continuum, Server};
use crate::flavor::Flavor;
use crate::lint::{Finding, Report, Severity};
use crate::text::quoted;
use std::collections::HashMap;
use std::fmt;

/// Why a list was rejected, at which line (from 1; 0 for the list as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListError {
    pub line: u32,
    pub problem: ListProblem,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListProblem {
    NoServers,
    MissingWeight {
        addr: Vec<u8>,
    },
    BadWeight {
        token: Vec<u8>,
    },
    WeightZero {
        addr: Vec<u8>,
    },
    ExtraField {
        field: Vec<u8>,
    },
    NulInAddress {
        addr: Vec<u8>,
    },
    /// What `create_ketama` refuses for the list as a whole (weights past an unsigned long,
    /// too many points).
    Build(BuildError),
}

impl fmt::Display for ListProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListProblem::NoServers => write!(f, "no servers"),
            ListProblem::MissingWeight { addr } => write!(
                f,
                "no weight after address {} (separate it with a space or a tab)",
                quoted(addr)
            ),
            ListProblem::BadWeight { token } => write!(
                f,
                "weight {} is not a number from 1 to {}",
                quoted(token),
                u64::MAX
            ),
            ListProblem::WeightZero { addr } => write!(f, "weight of {} is 0", quoted(addr)),
            ListProblem::ExtraField { field } => write!(
                f,
                "{} after the name (a line is ADDRESS WEIGHT [NAME]; a comment starts with \"#\")",
                quoted(field)
            ),
            ListProblem::NulInAddress { addr } => {
                write!(f, "address {} holds a NUL byte", quoted(addr))
            }
            ListProblem::Build(err) => write!(f, "{err}"),
        }
    }
}

impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}", self.problem),
            line => write!(f, "{} (line {line})", self.problem),
        }
    }
}

/// One line of a list: nothing, a server, or why the list is rejected.
fn read_line(line: &[u8]) -> Option<Result<Server, ListProblem>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut fields = line
        .split(|&b| b == b' ' || b == b'\t')
        .filter(|f| !f.is_empty())
        .take_while(|f| !f.starts_with(b"#"));
    let addr = fields.next()?;
    let name = fields.clone().nth(1);
    let weight = (|| {
        let Some(token) = fields.next() else {
            return Err(ListProblem::MissingWeight {
                addr: addr.to_vec(),
            });
        };
        if let Some(field) = fields.nth(1) {
            return Err(ListProblem::ExtraField {
                field: field.to_vec(),
            });
        }
        if addr.contains(&0) || name.is_some_and(|n| n.contains(&0)) {
            return Err(ListProblem::NulInAddress {
                addr: addr.to_vec(),
            });
        }
        let weight = std::str::from_utf8(token)
            .ok()
            .filter(|t| t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or_else(|| ListProblem::BadWeight {
                token: token.to_vec(),
            })?;
        match weight {
            0 => Err(ListProblem::WeightZero {
                addr: addr.to_vec(),
            }),
            w => Ok(w),
        }
    })();
    Some(weight.map(|weight| Server {
        addr: addr.to_vec(),
        weight,
        name: name.map(<[u8]>::to_vec),
    }))
}

/// The lines of a list, numbered from 1, without their `\n`.
fn lines(data: &[u8]) -> impl Iterator<Item = (u32, &[u8])> {
    data.strip_suffix(b"\n")
        .unwrap_or(data)
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, l)| (u32::try_from(i + 1).unwrap_or(u32::MAX), l))
}

/// The servers of a list, in order, or the first reason it is rejected.
pub fn parse(data: &[u8]) -> Result<Vec<Server>, ListError> {
    let mut servers = Vec::new();
    for (line, text) in lines(data) {
        match read_line(text) {
            None => {}
            Some(Ok(server)) => servers.push(server),
            Some(Err(problem)) => return Err(ListError { line, problem }),
        }
    }
    if servers.is_empty() {
        return Err(ListError {
            line: 0,
            problem: ListProblem::NoServers,
        });
    }
    Ok(servers)
}

/// The continuum `create_ketama_flavor` builds from the list as `flavor`.
pub fn load(data: &[u8], flavor: Flavor) -> Result<Continuum, ListError> {
    Continuum::build_flavor(parse(data)?, flavor).map_err(|err| ListError {
        line: 0,
        problem: ListProblem::Build(err),
    })
}

/// Every problem of a list (`ketama check --rules memory`): each rejected line, invisible
/// characters in addresses, servers listed twice, servers that get no point.
pub fn check(data: &[u8]) -> Report {
    let mut findings = Vec::new();
    let mut first_seen: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut note = |line, severity, code, message| {
        findings.push(Finding {
            line,
            read: line,
            severity,
            code,
            message,
        })
    };
    for (line, text) in lines(data) {
        let Some(read) = read_line(text) else {
            continue;
        };
        let addr = text
            .split(|&b| b == b' ' || b == b'\t')
            .find(|f| !f.is_empty())
            .map(|a| a.strip_suffix(b"\r").unwrap_or(a))
            .unwrap_or_default();
        let addr = match (line, addr.strip_prefix(crate::lint::BOM)) {
            (1, Some(rest)) => {
                note(
                    line,
                    Severity::Warning,
                    "byte_order_mark",
                    format!(
                        "the list starts with a UTF-8 byte-order mark (EF BB BF), which is read \
                         as part of the first address {}: save the file without it",
                        quoted(addr)
                    ),
                );
                rest
            }
            _ => addr,
        };
        if let Some(message) = crate::lint::hidden_character(addr) {
            note(line, Severity::Warning, "invisible_character", message);
        }
        match read {
            Ok(server) => match first_seen.get(&server.addr) {
                Some(first) => note(
                    line,
                    Severity::Warning,
                    "duplicate_server",
                    format!(
                        "server {} is already on line {first}: both get the same points and \
                         every tie goes to the first",
                        quoted(&server.addr)
                    ),
                ),
                None => {
                    first_seen.insert(server.addr, line);
                }
            },
            Err(problem) => note(
                line,
                Severity::Error,
                list_code(&problem),
                format!("{problem}: the list is rejected"),
            ),
        }
    }
    let continuum = if findings.iter().any(|f| f.severity == Severity::Error) {
        None
    } else {
        match load(data, Flavor::LIBKETAMA) {
            Ok(c) => {
                let lines: Vec<u32> = lines(data)
                    .filter(|(_, text)| matches!(read_line(text), Some(Ok(_))))
                    .map(|(line, _)| line)
                    .collect();
                let line_reads: Vec<(u32, u32)> = lines.iter().map(|&l| (l, l)).collect();
                findings.extend(crate::lint::zero_points(&c, &line_reads));
                Some(c)
            }
            Err(err) => {
                findings.push(Finding {
                    line: 0,
                    read: 0,
                    severity: Severity::Error,
                    code: list_code(&err.problem),
                    message: format!("{}: the list is rejected", err.problem),
                });
                None
            }
        }
    };
    findings.sort_by_key(|f| f.line);
    Report {
        findings,
        continuum,
    }
}

/// The name scripts see for each way a list is rejected.
fn list_code(problem: &ListProblem) -> &'static str {
    match problem {
        ListProblem::NoServers => "no_servers",
        ListProblem::MissingWeight { .. } => "missing_weight",
        ListProblem::BadWeight { .. } => "weight_not_number",
        ListProblem::WeightZero { .. } => "weight_zero",
        ListProblem::ExtraField { .. } => "extra_field",
        ListProblem::NulInAddress { .. } => "nul_byte",
        ListProblem::Build(BuildError::TotalOverflow) => "total_overflow",
        ListProblem::Build(_) => "unbuildable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_addresses_and_plain_weights() {
        let servers = parse(
            b"# pool\ncache-a.example.com:11211 100\r\n\n\tcache-b.example.com:11211\t7 # b\n",
        )
        .unwrap();
        assert_eq!(servers[0].addr, b"cache-a.example.com:11211");
        assert_eq!(servers[0].weight, 100);
        assert_eq!(servers[1].weight, 7);
        // No last character lost, no 23-byte limit: what create_ketama builds from the same.
        let c = load(b"a:1 600", Flavor::LIBKETAMA).unwrap();
        assert_eq!(c.servers()[0].weight, 600);
        assert_eq!(
            load(b"cache-a.example.com:11211 100\n", Flavor::LIBKETAMA)
                .unwrap()
                .points(),
            Continuum::build(vec![Server::new("cache-a.example.com:11211", 100)])
                .unwrap()
                .points()
        );
    }

    #[test]
    fn rejected_lines_say_why() {
        let at = |data: &[u8]| parse(data).unwrap_err().to_string();
        assert_eq!(
            at(b"a:1 5\nb:1\n"),
            "no weight after address \"b:1\" (separate it with a space or a tab) (line 2)"
        );
        assert_eq!(
            at(b"a:1 1.5\n"),
            "weight \"1.5\" is not a number from 1 to 18446744073709551615 (line 1)"
        );
        assert_eq!(
            at(b"a:1 -5\n"),
            "weight \"-5\" is not a number from 1 to 18446744073709551615 (line 1)"
        );
        assert_eq!(at(b"a:1 0\n"), "weight of \"a:1\" is 0 (line 1)");
        assert_eq!(
            at(b"a:1 5 primary extra\n"),
            "\"extra\" after the name (a line is ADDRESS WEIGHT [NAME]; a comment starts with \
             \"#\") (line 1)"
        );
        let named = parse(b"a:1 5 primary # the first\n").unwrap();
        assert_eq!(named[0].name.as_deref(), Some(&b"primary"[..]));
        assert_eq!(at(b"# only\n\n"), "no servers");
        assert_eq!(
            load(b"a 18446744073709551615\nb 1\n", Flavor::LIBKETAMA)
                .unwrap_err()
                .to_string(),
            "the weights add up to more than an unsigned long holds"
        );
    }

    #[test]
    fn check_names_every_problem() {
        let report = check("\u{feff}a:1 5\nb:1 x\nc:1\u{a0} 5\nd:1 5\nd:1 5\n".as_bytes());
        let found: Vec<(u32, &str)> = report.findings.iter().map(|f| (f.line, f.code)).collect();
        assert_eq!(
            found,
            [
                (1, "byte_order_mark"),
                (2, "weight_not_number"),
                (3, "invisible_character"),
                (5, "duplicate_server")
            ]
        );
        assert!(report.continuum.is_none());
        let report = check(b"a:1 1000000\nb:1 1\n");
        assert_eq!(report.findings[0].code, "zero_points");
        assert_eq!(report.findings[0].line, 2);
        assert_eq!(report.continuum.unwrap().servers().len(), 2);
    }
}
