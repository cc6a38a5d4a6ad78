//! The per-process cache of rolled server files, in place of the original's SysV shared memory.
//!
//! A repeated roll of an unchanged file hands out the same immutable continuum without reading
//! the file again; a changed file is read and parsed anew, while continua handed out before
//! keep their own points. A file is "unchanged" when its device, inode, size, mtime and ctime
//! (with nanoseconds) are. Timestamps only move in clock ticks, so a file rewritten within
//! the tick in which it was read could keep all of them: as long as a file's mtime is that
//! recent, its bytes are read again and compared (the "racy" check git uses for its index).
//!
//! Safe across `fork`: the map's lock is a `fork::Mutex`, never held while another thread
//! forks, and a cache is a `const` (a `static` needs no lazy initialisation). A child keeps
//! the entries the parent had, and continua the parent handed out stay valid in the child;
//! each process frees its own copies.

use crate::continuum::{BuildError, Continuum, Total};
use crate::flavor::Flavor;
use crate::fork;
use crate::parse::{self, ParseError};
use std::collections::BTreeMap;
use std::fmt;
use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Larger server files are refused rather than read: a real one is a few kilobytes.
pub const MAX_FILE_SIZE: u64 = 16 << 20;

/// How old an mtime must be before the stat alone is trusted: longer than the coarsest
/// timestamp granularity of common file systems.
const RACY_WINDOW: Duration = Duration::from_secs(2);

/// Paths remembered at most; past it an arbitrary entry is forgotten (it is only a cache).
const MAX_ENTRIES: usize = 256;

/// Why a server file did not roll. Its `Display` is the message `ketama_error()` gives.
#[derive(Debug)]
pub enum RollError {
    /// `stat` of the path failed (missing file, no search permission): where the original's
    /// `ftok` fails, so `ketama_roll` leaves `*contptr` as it was.
    Stat {
        path: PathBuf,
        err: io::Error,
    },
    Open {
        path: PathBuf,
        err: io::Error,
    },
    Read {
        path: PathBuf,
        err: io::Error,
    },
    NotRegular {
        path: PathBuf,
        what: &'static str,
    },
    TooLarge {
        path: PathBuf,
        size: u64,
    },
    Parse {
        path: PathBuf,
        err: ParseError,
    },
    /// `line` is the server's line when the error is about one server of the file.
    Build {
        path: PathBuf,
        err: BuildError,
        line: Option<u32>,
    },
}

impl fmt::Display for RollError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RollError::Stat { path, err } | RollError::Open { path, err } => write!(
                f,
                "cannot open server file {}: {}",
                path.display(),
                strerror(err)
            ),
            RollError::Read { path, err } => write!(
                f,
                "cannot read server file {}: {}",
                path.display(),
                strerror(err)
            ),
            RollError::NotRegular { path, what } => write!(
                f,
                "server file {} is {what}, not a regular file",
                path.display()
            ),
            RollError::TooLarge { path, size } => write!(
                f,
                "server file {} is {size} bytes; files over {MAX_FILE_SIZE} bytes are refused",
                path.display()
            ),
            RollError::Parse {
                path,
                err: ParseError::NoServers,
            } => write!(f, "No valid server definitions in file {}", path.display()),
            RollError::Parse {
                path,
                err: ParseError::Line { line, problem },
            } => write!(f, "{problem} (line {line} in {})", path.display()),
            RollError::Build {
                path,
                err,
                line: Some(line),
            } => write!(f, "{err} (line {line} in {})", path.display()),
            RollError::Build {
                path,
                err,
                line: None,
            } => write!(f, "server file {}: {err}", path.display()),
        }
    }
}

/// An I/O error in the words of C's `strerror`, which C programs print: Rust's own text adds
/// " (os error N)".
fn strerror(err: &io::Error) -> String {
    let text = err.to_string();
    match err.raw_os_error() {
        Some(code) => text
            .strip_suffix(&format!(" (os error {code})"))
            .unwrap_or(&text)
            .to_string(),
        None => text,
    }
}

/// A rolled file: its continuum, and the file's mtime in seconds (`continuum.modtime`).
#[derive(Clone, Debug)]
pub struct Rolled {
    pub continuum: Arc<Continuum>,
    pub mtime: i64,
}

/// What identifies one version of a file without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    fn of(meta: &Metadata) -> Stamp {
        Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

struct Entry {
    stamp: Stamp,
    /// The stamp alone proves the file unchanged: its mtime was old when it was read.
    settled: bool,
    bytes: Arc<[u8]>,
    rolled: Rolled,
}

/// Rolled files by path. All methods take `&self`: it is shared by every thread, and may be
/// used in a child forked while other threads of the parent use it (see the `fork` module). The
/// mutex is not held across file IO or parsing, so it is held only for moments.
pub struct Cache {
    /// A `BTreeMap` for its `const` constructor: a `HashMap`'s random keys would need a lazy
    /// static, which a fork can catch half initialised. It holds a few entries at most, one
    /// for each file and flavor it was rolled as.
    entries: fork::Mutex<BTreeMap<(PathBuf, &'static str), Entry>>,
}

impl Default for Cache {
    fn default() -> Cache {
        Cache::new()
    }
}

impl Cache {
    /// An empty cache. `const`, so that a process-wide cache is a plain `static`, never a
    /// `LazyLock` (which a `fork` could copy half initialised).
    pub const fn new() -> Cache {
        Cache {
            entries: fork::Mutex::new(BTreeMap::new()),
        }
    }

    /// The continuum of the server file at `path`, from the cache when the file is unchanged.
    /// A failure leaves the cache, and every continuum handed out, as they were.
    ///
    /// Safe to call in a child forked at any moment, even while another thread of the parent
    /// was rolling: it never waits for a thread the child does not have.
    pub fn roll(&self, path: &Path) -> Result<Rolled, RollError> {
        self.roll_as(path, Flavor::LIBKETAMA)
    }

    /// `roll` as `flavor`'s client builds its ring from the file's servers.
    pub fn roll_as(&self, path: &Path, flavor: Flavor) -> Result<Rolled, RollError> {
        let key = (path.to_path_buf(), flavor.name());
        let meta = std::fs::metadata(path).map_err(|err| RollError::Stat {
            path: path.to_path_buf(),
            err,
        })?;
        {
            let entries = self.entries.lock();
            if let Some(e) = entries.get(&key) {
                if e.settled && e.stamp == Stamp::of(&meta) {
                    return Ok(e.rolled.clone());
                }
            }
        }

        let (bytes, meta) = read(path)?;
        let stamp = Stamp::of(&meta);
        let settled = meta
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age >= RACY_WINDOW);
        let reused = {
            let entries = self.entries.lock();
            entries
                .get(&key)
                .filter(|e| *e.bytes == *bytes)
                .map(|e| e.rolled.continuum.clone())
        };
        let continuum = match reused {
            Some(c) => c,
            None => Arc::new(load_as(path, &bytes, flavor)?),
        };
        let rolled = Rolled {
            continuum,
            mtime: meta.mtime(),
        };
        let mut entries = self.entries.lock();
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            if let Some(victim) = entries.keys().next().cloned() {
                entries.remove(&victim);
            }
        }
        entries.insert(
            key,
            Entry {
                stamp,
                settled,
                bytes: bytes.into(),
                rolled: rolled.clone(),
            },
        );
        Ok(rolled)
    }
}

/// Parses and builds a server file's bytes, the weights summed as the original sums them,
/// errors naming `path` (and the line, for an error about one server).
pub fn load(path: &Path, bytes: &[u8]) -> Result<Continuum, RollError> {
    load_as(path, bytes, Flavor::LIBKETAMA)
}

/// `load` as `flavor`'s client builds its ring from the servers of the file.
pub fn load_as(path: &Path, bytes: &[u8], flavor: Flavor) -> Result<Continuum, RollError> {
    let (servers, lines) = parse::parse_with_lines(bytes).map_err(|err| RollError::Parse {
        path: path.to_path_buf(),
        err,
    })?;
    Continuum::build_as(servers, flavor, Total::Wrapping).map_err(|err| RollError::Build {
        path: path.to_path_buf(),
        line: err.server().map(|index| lines[index]),
        err,
    })
}

/// Reads a regular file of sane size. Opening does not block (a FIFO would), and anything but
/// a regular file is refused before a byte is read.
pub fn read(path: &Path) -> Result<(Vec<u8>, Metadata), RollError> {
    let open_err = |err| RollError::Open {
        path: path.to_path_buf(),
        err,
    };
    let file: File = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(open_err)?;
    let meta = file.metadata().map_err(open_err)?;
    let kind = meta.file_type();
    if !kind.is_file() {
        let what = if kind.is_dir() {
            "a directory"
        } else if kind.is_fifo() || kind.is_socket() {
            "a FIFO or socket"
        } else {
            "a device"
        };
        return Err(RollError::NotRegular {
            path: path.to_path_buf(),
            what,
        });
    }
    if meta.size() > MAX_FILE_SIZE {
        return Err(RollError::TooLarge {
            path: path.to_path_buf(),
            size: meta.size(),
        });
    }
    let mut bytes = Vec::with_capacity(meta.size() as usize);
    file.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| RollError::Read {
            path: path.to_path_buf(),
            err,
        })?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(RollError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
        });
    }
    Ok((bytes, meta))
}

/// Paths arrive from C as bytes.
pub fn path_of(bytes: &[u8]) -> &Path {
    Path::new(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ketama-cache-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn unchanged_file_shares_one_continuum() {
        let path = scratch("same");
        std::fs::write(&path, "a:1 100\nb:1 100\n").unwrap();
        let cache = Cache::new();
        let first = cache.roll(&path).unwrap();
        let second = cache.roll(&path).unwrap();
        assert!(Arc::ptr_eq(&first.continuum, &second.continuum));
    }

    #[test]
    fn rewrite_of_same_size_is_seen_at_once() {
        let path = scratch("rewrite");
        std::fs::write(&path, "a:1 100\nb:1 100\n").unwrap();
        let cache = Cache::new();
        let before = cache.roll(&path).unwrap();
        std::fs::write(&path, "a:1 100\nc:1 100\n").unwrap();
        let after = cache.roll(&path).unwrap();
        assert!(!Arc::ptr_eq(&before.continuum, &after.continuum));
        assert_eq!(after.continuum.servers()[1].addr, b"c:1");
        assert_eq!(before.continuum.servers()[1].addr, b"b:1");
    }

    /// Writes `text` to `path` with an mtime `age` in the past, as a deployed file has.
    fn write_aged(path: &Path, text: &str, age: Duration) {
        std::fs::write(path, text).unwrap();
        let file = File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
    }

    #[test]
    fn settled_file_is_trusted_by_its_stamp_until_it_changes() {
        let path = scratch("settled");
        write_aged(&path, "a:1 100\nb:1 100\n", Duration::from_secs(60));
        let cache = Cache::new();
        let first = cache.roll(&path).unwrap();
        let second = cache.roll(&path).unwrap();
        assert!(Arc::ptr_eq(&first.continuum, &second.continuum));
        // Same size and backdated too: the stamp (mtime, ctime) still moves.
        write_aged(&path, "a:1 100\nc:1 100\n", Duration::from_secs(60));
        let third = cache.roll(&path).unwrap();
        assert_eq!(third.continuum.servers()[1].addr, b"c:1");
    }

    #[test]
    fn failed_reload_keeps_the_cache() {
        let path = scratch("fail");
        std::fs::write(&path, "a:1 100\n").unwrap();
        let cache = Cache::new();
        let good = cache.roll(&path).unwrap();
        std::fs::write(&path, "a:1 0\n").unwrap();
        let err = cache.roll(&path).unwrap_err().to_string();
        assert!(
            err.ends_with(&format!("(line 1 in {})", path.display())),
            "{err}"
        );
        std::fs::write(&path, "a:1 100\n").unwrap();
        let again = cache.roll(&path).unwrap();
        assert!(Arc::ptr_eq(&good.continuum, &again.continuum));
    }

    #[test]
    fn non_regular_files_are_refused() {
        let err = Cache::new().roll(Path::new("/dev/zero")).unwrap_err();
        assert!(matches!(err, RollError::NotRegular { .. }), "{err}");
        let err = Cache::new().roll(&std::env::temp_dir()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "server file {} is a directory, not a regular file",
                std::env::temp_dir().display()
            )
        );
        let err = Cache::new().roll(Path::new("/nonexistent/x")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot open server file /nonexistent/x: No such file or directory"
        );
    }
}
