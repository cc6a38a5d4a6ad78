//! `ketama map`: the server of each key, fast enough for millions of keys from a pipe: one
//! reused line buffer, one hash (the flavor's) and one search per key, buffered output.

use crate::{json, load, Failure, Reading};
use ketama::nutcracker;
use std::ffi::OsString;
use std::io::{self, BufRead, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::ExitCode;

pub fn run(
    file: &Path,
    how: Reading,
    keys: &[OsString],
    json: bool,
    out: &mut impl Write,
) -> Result<ExitCode, Failure> {
    let (_, loaded) = load(file, how)?;
    let (c, hash_tag) = (loaded.ring, loaded.hash_tag);
    let mut emit = |key: &[u8]| -> io::Result<()> {
        let hashed = hash_tag.map_or(key, |tag| nutcracker::tagged(key, tag));
        let hash = c.key_hash(hashed);
        let index = c
            .locate_hash(hash)
            .expect("a server file the library accepts has points");
        let addr = &c.servers()[c.owner(index)].addr;
        if json {
            writeln!(
                out,
                "{{\"key\":{},\"hash\":{hash},\"point\":{},\"server\":{}}}",
                json::string(key),
                c.points()[index].point,
                json::string(addr)
            )
        } else {
            out.write_all(key)?;
            out.write_all(b"\t")?;
            out.write_all(addr)?;
            out.write_all(b"\n")
        }
    };
    if keys.is_empty() {
        each_line(&mut io::stdin().lock(), &mut emit)?;
    } else {
        for key in keys {
            emit(key.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Calls `f` with each line of `input`, without its `\n`.
fn each_line(
    input: &mut impl BufRead,
    f: &mut impl FnMut(&[u8]) -> io::Result<()>,
) -> Result<(), Failure> {
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input.read_until(b'\n', &mut line).map_err(|err| {
            Failure::Message(format!("cannot read keys from standard input: {err}"))
        })?;
        if n == 0 {
            return Ok(());
        }
        f(line.strip_suffix(b"\n").unwrap_or(&line))?;
    }
}
