//! Where the command's servers come from, and under which rules they are read. A server file
//! may be `-` (standard input) or a pipe (`<(git show HEAD:pool.servers)`): its bytes are read
//! into memory and judged exactly as the library judges the same bytes in a file.

use crate::Failure;
use clap::ValueEnum;
use ketama::cache::{self, RollError, MAX_FILE_SIZE};
use ketama::continuum::Continuum;
use ketama::flavor::Flavor;
use ketama::{list, nutcracker};
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
    /// address hashed whatever its length, the weight as written; "ADDRESS WEIGHT [NAME]" a
    /// line, "#" starts a comment.
    Memory,
    /// A twemproxy configuration (nutcracker.yml): one pool's servers, weights and names,
    /// and the flavor of its hash (the default for files named *.yml or *.yaml).
    Nutcracker,
}

impl Rules {
    /// What a file is read as, for `check`'s summary.
    pub fn described(self) -> &'static str {
        match self {
            Rules::File => "a server file (ketama_roll's rules)",
            Rules::Memory => "a server list (create_ketama's rules)",
            Rules::Nutcracker => "a twemproxy configuration",
        }
    }

    /// The rules for `path` when none are given: a twemproxy configuration for a name ending
    /// in `.yml` or `.yaml`, a server file otherwise.
    pub fn for_path(given: Option<Rules>, path: &Path) -> Rules {
        given.unwrap_or_else(|| match path.extension().and_then(|e| e.to_str()) {
            Some("yml" | "yaml") => Rules::Nutcracker,
            _ => Rules::File,
        })
    }

    /// The name in `--rules` and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Rules::File => "file",
            Rules::Memory => "memory",
            Rules::Nutcracker => "nutcracker",
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

/// A ring as the command loads it.
pub struct Loaded {
    pub ring: Continuum,
    /// A twemproxy pool's `hash_tag`.
    pub hash_tag: Option<[u8; 2]>,
}

/// The continuum the library makes of `input` under `rules`, as `flavor` (libketama, or the
/// pool's hash for a twemproxy configuration, when `None`); `pool` picks a configuration's pool.
pub fn load(
    input: &Input,
    rules: Rules,
    flavor: Option<Flavor>,
    pool: Option<&str>,
) -> Result<Loaded, Failure> {
    let message = |problem: &dyn std::fmt::Display, line: u32| {
        Failure::Message(match line {
            0 => format!("server list {}: {problem}", input.name),
            line => format!("{problem} (line {line} in {})", input.name),
        })
    };
    let ring = match rules {
        Rules::File => {
            let flavor = flavor.unwrap_or(Flavor::LIBKETAMA);
            cache::load_as(Path::new(&input.name), &input.bytes, flavor)?
        }
        Rules::Memory => list::load(&input.bytes, flavor.unwrap_or(Flavor::LIBKETAMA))
            .map_err(|err| message(&err.problem, err.line))?,
        Rules::Nutcracker => {
            let text = std::str::from_utf8(&input.bytes)
                .map_err(|_| Failure::Message(format!("{}: not a UTF-8 YAML file", input.name)))?;
            let pool = nutcracker::read(text, pool)
                .map_err(|err| Failure::Message(format!("{}: {err}", input.name)))?;
            let ring = Continuum::build_flavor(pool.servers, flavor.unwrap_or(pool.flavor))
                .map_err(|err| message(&err, 0))?;
            return Ok(Loaded {
                ring,
                hash_tag: pool.hash_tag,
            });
        }
    };
    Ok(Loaded {
        ring,
        hash_tag: None,
    })
}
