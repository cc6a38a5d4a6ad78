//! Where the command's servers come from, and under which rules they are read. A server file
//! may be `-` (standard input) or a pipe (`<(git show HEAD:pool.servers)`): its bytes are read
//! into memory and judged exactly as the library judges the same bytes in a file.

use crate::Failure;
use clap::ValueEnum;
use ketama::cache::{self, RollError, MAX_FILE_SIZE};
use ketama::continuum::Continuum;
use ketama::list;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

/// The two ways the library takes servers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Rules {
    /// A server file as ketama_roll reads it: addresses of at most 23 bytes, a weight that
    /// loses its last character, lines read 126 bytes at a time.
    File,
    /// A server list as create_ketama takes it (the nginx module, the bindings): the whole
    /// address hashed whatever its length, the weight as written; "ADDRESS WEIGHT" a line,
    /// "#" starts a comment.
    Memory,
}

impl Rules {
    /// What a file is read as, for `check`'s summary.
    pub fn described(self) -> &'static str {
        match self {
            Rules::File => "a server file (ketama_roll's rules)",
            Rules::Memory => "a server list (create_ketama's rules)",
        }
    }

    /// The name in `--rules` and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Rules::File => "file",
            Rules::Memory => "memory",
        }
    }
}

/// A server file's bytes and the name messages give it.
pub struct Input {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The path that stands for standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads `path`: a regular file as the library does (refusing directories and files over
/// 16 MiB with its messages), standard input, pipes, sockets and character devices as far as
/// 16 MiB.
pub fn read(path: &Path) -> Result<Input, Failure> {
    if is_stdin(path) {
        let name = "(standard input)".to_string();
        let bytes = read_stream(io::stdin().lock(), &name)?;
        return Ok(Input { name, bytes });
    }
    let name = path.display().to_string();
    let stream = std::fs::metadata(path).is_ok_and(|m| {
        let kind = m.file_type();
        kind.is_fifo() || kind.is_socket() || kind.is_char_device()
    });
    let bytes = if stream {
        let file = File::open(path).map_err(|err| RollError::Open {
            path: path.to_path_buf(),
            err,
        })?;
        read_stream(file, &name)?
    } else {
        cache::read(path)?.0
    };
    Ok(Input { name, bytes })
}

/// Everything `stream` gives, up to the library's size limit.
fn read_stream(stream: impl Read, name: &str) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    stream
        .take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| RollError::Read {
            path: name.into(),
            err,
        })?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(Failure::Message(format!(
            "server file {name} is over {MAX_FILE_SIZE} bytes; larger files are refused"
        )));
    }
    Ok(bytes)
}

/// The continuum the library makes of `input` under `rules`.
pub fn load(input: &Input, rules: Rules) -> Result<Continuum, Failure> {
    match rules {
        Rules::File => Ok(cache::load(Path::new(&input.name), &input.bytes)?),
        Rules::Memory => list::load(&input.bytes).map_err(|err| {
            Failure::Message(match err.line {
                0 => format!("server list {}: {}", input.name, err.problem),
                line => format!("{} (line {line} in {})", err.problem, input.name),
            })
        }),
    }
}
