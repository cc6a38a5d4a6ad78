//! `ketama check`: every problem of a server file, one per line in the form compilers use
//! (`FILE:LINE: severity: message`), so editors can jump to them; exit 1 when there are any.

use crate::{json, Failure};
use ketama::cache;
use ketama::lint::{self, Finding, Severity};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn run(file: &Path, json: bool, out: &mut impl Write) -> Result<ExitCode, Failure> {
    let (bytes, _) = cache::read(file)?;
    let report = lint::check(&bytes);
    let errors = count(&report.findings, Severity::Error);
    let warnings = count(&report.findings, Severity::Warning);
    let shape = report
        .continuum
        .as_ref()
        .map(|c| (c.servers().len(), c.points().len()));
    let name = file.display().to_string();
    if json {
        let (servers, points) = match shape {
            Some((s, p)) => (s.to_string(), p.to_string()),
            None => ("null".to_string(), "null".to_string()),
        };
        writeln!(
            out,
            "{{\"file\":{},\"accepted\":{},\"servers\":{servers},\"points\":{points},\
             \"errors\":{errors},\"warnings\":{warnings},\"findings\":[",
            json::string(name.as_bytes()),
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
        match shape {
            None => writeln!(out, "{name}: rejected by the library: {tally}")?,
            Some((servers, points)) => {
                let found = if warnings > 0 {
                    tally
                } else {
                    "no problems".to_string()
                };
                writeln!(out, "{name}: {servers} servers, {points} points; {found}")?
            }
        }
    }
    Ok(if report.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
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

fn plural(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}
