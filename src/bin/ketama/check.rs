//! `ketama check`: every problem of a server file, one per line in the form compilers use
//! (`FILE:LINE: severity: message`), so editors can jump to them; exit 1 when the library
//! rejects the file (or, with `--strict`, when anything is found).

use crate::input::{self, Rules};
use crate::{json, plural, Failure};
use ketama::continuum::Continuum;
use ketama::lint::{self, Finding, Report, Severity};
use ketama::{list, nutcracker};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn run(
    file: &Path,
    rules: Rules,
    pool: Option<&str>,
    strict: bool,
    json: bool,
    out: &mut impl Write,
) -> Result<ExitCode, Failure> {
    let input = input::read(file)?;
    let report = match rules {
        Rules::File => lint::check(&input.bytes),
        Rules::Memory => list::check(&input.bytes),
        Rules::Nutcracker => pool_report(&input, pool),
    };
    let errors = count(&report.findings, Severity::Error);
    let warnings = count(&report.findings, Severity::Warning);
    let shape = report
        .continuum
        .as_ref()
        .map(|c| (c.servers().len(), c.points().len()));
    let name = input.name;
    if json {
        let (servers, points) = match shape {
            Some((s, p)) => (s.to_string(), p.to_string()),
            None => ("null".to_string(), "null".to_string()),
        };
        writeln!(
            out,
            "{{\"file\":{},\"rules\":\"{}\",\"accepted\":{},\"servers\":{servers},\
             \"points\":{points},\"errors\":{errors},\"warnings\":{warnings},\"findings\":[",
            json::string(name.as_bytes()),
            rules.name(),
            shape.is_some()
        )?;
        for (i, f) in report.findings.iter().enumerate() {
            let comma = if i + 1 < report.findings.len() {
                ","
            } else {
                ""
            };
            writeln!(
                out,
                "{{\"line\":{},\"library_line\":{},\"severity\":\"{}\",\"code\":\"{}\",\
                 \"message\":{}}}{comma}",
                f.line,
                f.read,
                severity(f),
                f.code,
                json::string(f.message.as_bytes())
            )?;
        }
        writeln!(out, "]}}")?;
    } else {
        for f in &report.findings {
            let at = match f.line {
                0 => name.clone(),
                line => format!("{name}:{line}"),
            };
            let library = if f.read != f.line && f.read != 0 {
                format!(" [the library's line {}]", f.read)
            } else {
                String::new()
            };
            writeln!(out, "{at}: {}: {}{library}", severity(f), f.message)?;
        }
        let tally = format!(
            "{}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        );
        let read_as = rules.described();
        match shape {
            None => writeln!(
                out,
                "{name}: read as {read_as}: rejected by the library: {tally}"
            )?,
            Some((servers, points)) => {
                let found = if warnings > 0 {
                    tally
                } else {
                    "no problems".to_string()
                };
                writeln!(
                    out,
                    "{name}: read as {read_as}: {}, {}; {found}",
                    plural(servers, "server"),
                    plural(points, "point")
                )?
            }
        }
    }
    Ok(if errors > 0 || (strict && warnings > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn count(findings: &[Finding], severity: Severity) -> usize {
    findings.iter().filter(|f| f.severity == severity).count()
}

fn severity(f: &Finding) -> &'static str {
    match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The verdict on a twemproxy configuration: the pool read and its ring built, or the reason
/// it cannot be.
fn pool_report(input: &input::Input, pool: Option<&str>) -> Report {
    let refused = |code, message: String| Report {
        findings: vec![Finding {
            line: 0,
            read: 0,
            severity: Severity::Error,
            code,
            message,
        }],
        continuum: None,
    };
    let Ok(text) = std::str::from_utf8(&input.bytes) else {
        return refused("not_utf8", "not a UTF-8 YAML file".to_string());
    };
    match nutcracker::read(text, pool) {
        Err(err) => refused("bad_pool", err.to_string()),
        Ok(pool) => match Continuum::build_flavor(pool.servers, pool.flavor) {
            Ok(c) => Report {
                findings: Vec::new(),
                continuum: Some(c),
            },
            Err(err) => refused("bad_pool", err.to_string()),
        },
    }
}
