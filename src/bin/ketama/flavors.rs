//! `ketama flavors`: the rings `--flavor` answers as, and the clients that build each.

use crate::{json, Failure};
use ketama::flavor::Flavor;
use std::io::Write;
use std::process::ExitCode;

pub fn run(json: bool, out: &mut impl Write) -> Result<ExitCode, Failure> {
    let width = Flavor::all().map(|f| f.name().len()).max().unwrap_or(0);
    if json {
        writeln!(out, "[")?;
        let all: Vec<Flavor> = Flavor::all().collect();
        for (i, f) in all.iter().enumerate() {
            let comma = if i + 1 < all.len() { "," } else { "" };
            let aliases: Vec<String> = f
                .aliases()
                .iter()
                .map(|a| json::string(a.as_bytes()))
                .collect();
            writeln!(
                out,
                "{{\"name\":{},\"aliases\":[{}],\"clients\":{}}}{comma}",
                json::string(f.name().as_bytes()),
                aliases.join(","),
                json::string(f.clients().as_bytes())
            )?;
        }
        writeln!(out, "]")?;
        return Ok(ExitCode::SUCCESS);
    }
    for f in Flavor::all() {
        write!(out, "{:<width$}  {}", f.name(), f.clients())?;
        if !f.aliases().is_empty() {
            write!(out, " (also: {})", f.aliases().join(", "))?;
        }
        writeln!(out)?;
    }
    Ok(ExitCode::SUCCESS)
}
