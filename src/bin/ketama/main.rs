//! `ketama`: what a server file means and what changing it does to the cache, answered by the
//! library's own core so that the answers are the ones every client of the fleet will act on.

mod check;
mod diff;
mod dist;
mod json;
mod map;
mod points;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};
use ketama::cache;
use ketama::continuum::Continuum;
use std::ffi::OsString;
use std::fmt;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Consistent hashing as libketama does it: map keys, inspect and check server files, and see
/// what a change of server file moves before deploying it.
#[derive(Parser)]
#[command(name = "ketama", version)]
struct Cli {
    /// Print JSON for machines instead of text for people.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the server of each key: "KEY<TAB>SERVER" per line.
    ///
    /// Keys come from the arguments, or one per line from standard input when none are given
    /// (the key is the line without its "\n"; a "\r" is part of the key).
    Map {
        /// The server file.
        file: PathBuf,
        /// Keys to map; read from standard input when none are given.
        keys: Vec<OsString>,
    },
    /// Print the continuum as ketama_print_continuum does.
    Points {
        /// The server file.
        file: PathBuf,
    },
    /// Check a server file the way the library reads it, explaining every surprise.
    ///
    /// Exits 0 when nothing is found, 1 when the library rejects the file or reads any line
    /// differently from how it looks.
    Check {
        /// The server file.
        file: PathBuf,
    },
    /// Compare each server's share of the weight with its exact share of the hash ring.
    Dist {
        /// The server file.
        file: PathBuf,
    },
    /// Show exactly which share of the keys moves, and where, when OLD is replaced by NEW.
    Diff {
        /// The server file in use.
        old: PathBuf,
        /// The server file to be deployed.
        new: PathBuf,
    },
}

/// Why a command stopped: printed as one line on stderr.
#[derive(Debug)]
enum Failure {
    /// Writing the output failed (a closed pipe is not reported).
    Output(io::Error),
    Message(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Output(err) => write!(f, "cannot write output: {err}"),
            Failure::Message(message) => f.write_str(message),
        }
    }
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Failure {
        Failure::Output(err)
    }
}

impl From<cache::RollError> for Failure {
    fn from(err: cache::RollError) -> Failure {
        Failure::Message(err.to_string())
    }
}

/// Reads and builds a server file exactly as `ketama_roll` does.
fn load(path: &Path) -> Result<Continuum, Failure> {
    let (bytes, _) = cache::read(path)?;
    Ok(cache::load(path, &bytes)?)
}

/// An address or key for people: bytes that are not UTF-8 shown as U+FFFD.
fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// Characters a table column needs for `cells` (shown with [`text`]) and its `title`.
fn column_width<'a>(cells: impl Iterator<Item = &'a [u8]>, title: &str) -> usize {
    cells
        .map(|c| text(c).chars().count())
        .fold(title.len(), usize::max)
}

/// A share of the ring (0 to 1) as a percentage with three decimals.
fn percent(share: f64) -> String {
    format!("{:.3}%", share * 100.0)
}

fn run(cli: Cli, out: &mut impl Write) -> Result<ExitCode, Failure> {
    let json = cli.json;
    let code = match cli.command {
        Command::Map { file, keys } => map::run(&file, &keys, json, out)?,
        Command::Points { file } => points::run(&file, json, out)?,
        Command::Check { file } => check::run(&file, json, out)?,
        Command::Dist { file } => dist::run(&file, json, out)?,
        Command::Diff { old, new } => diff::run(&old, &new, json, out)?,
    };
    out.flush()?;
    Ok(code)
}

/// Parses the command line; a mistake in it is one line on stderr and exit status 2, like every
/// other failure (clap's own report spans several lines).
fn parse_args() -> Result<Cli, ExitCode> {
    Cli::try_parse().map_err(|err| {
        if !err.use_stderr() || err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            err.exit();
        }
        // The first paragraph says what is wrong; a "tip:" paragraph suggests the fix.
        let rendered = err.to_string();
        let paragraphs = rendered.split("\n\n");
        let kept: Vec<&str> = paragraphs
            .enumerate()
            .filter(|(i, p)| *i == 0 || p.trim_start().starts_with("tip:"))
            .map(|(_, p)| p)
            .collect();
        let kept = kept.join(";");
        let message = kept.split_whitespace().collect::<Vec<_>>().join(" ");
        let message = message.strip_prefix("error: ").unwrap_or(&message);
        eprintln!("ketama: {message} (see ketama --help)");
        ExitCode::from(2)
    })
}

fn main() -> ExitCode {
    let cli = match parse_args() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    match run(cli, &mut out) {
        Ok(code) => code,
        Err(Failure::Output(err)) if err.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(failure) => {
            // Whatever was written before the failure still goes out, then the reason.
            let _ = out.flush();
            eprintln!("ketama: {failure}");
            ExitCode::FAILURE
        }
    }
}
