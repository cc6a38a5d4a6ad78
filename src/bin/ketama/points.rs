//! `ketama points`: the continuum, byte for byte as `ketama_print_continuum` prints it, so
//! that it can be compared with the original's output (`%.22s` of `mcs.ip` is its C string).

use crate::{json, load, Failure, Reading};
use ketama::parse::c_string;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn run(
    file: &Path,
    how: Reading,
    json: bool,
    out: &mut impl Write,
) -> Result<ExitCode, Failure> {
    let (_, loaded) = load(file, how)?;
    let c = loaded.ring;
    let points = c.points();
    if json {
        writeln!(out, "{{\"numpoints\":{},\"points\":[", points.len())?;
        for (i, p) in points.iter().enumerate() {
            let comma = if i + 1 < points.len() { "," } else { "" };
            writeln!(
                out,
                "{{\"point\":{},\"ip\":{},\"server\":{}}}{comma}",
                p.point,
                json::string(c_string(&p.ip)),
                json::string(&c.servers()[c.owner(i)].addr)
            )?;
        }
        writeln!(out, "]}}")?;
    } else {
        writeln!(out, "Numpoints in continuum: {}", points.len())?;
        for p in points {
            out.write_all(c_string(&p.ip))?;
            writeln!(out, " ({})", p.point)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
