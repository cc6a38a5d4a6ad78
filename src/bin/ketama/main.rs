//! `ketama`: what a server file means and what changing it does to the cache, answered by the
//! library's own core so that the answers are the ones every client of the fleet will act on.

mod check;
mod diff;
mod dist;
mod flavors;
mod input;
mod json;
mod map;
mod points;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};
use input::Rules;
use ketama::arcs;
use ketama::cache;
use ketama::flavor::Flavor;
use std::ffi::OsString;
use std::fmt;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Consistent hashing as libketama does it: map keys, inspect and check server files, and see
/// what a change of server file moves before deploying it.
///
/// A FILE may be "-" for standard input, or a pipe: ketama diff pool.servers <(git show
/// HEAD:pool.servers).
#[derive(Parser)]
#[command(name = "ketama", version)]
struct Cli {
    /// Print JSON for machines instead of text for people.
    #[arg(long, global = true)]
    json: bool,
    /// Read FILEs as server files, as ketama_roll does ("file", the default), as server lists,
    /// as create_ketama takes servers ("memory": the whole address hashed, whatever its
    /// length; the weight as written), or as twemproxy configurations ("nutcracker", the
    /// default for FILEs named *.yml or *.yaml).
    #[arg(long, global = true, value_enum)]
    rules: Option<Rules>,
    /// The pool of a twemproxy configuration that has several.
    #[arg(long, global = true, value_name = "NAME")]
    pool: Option<String>,
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
        /// Answer as this client's ring does (see ketama flavors).
        #[arg(long, value_name = "NAME", value_parser = flavor_named)]
        flavor: Option<Flavor>,
    },
    /// Print the continuum as ketama_print_continuum does.
    Points {
        /// The server file.
        file: PathBuf,
        /// The ring of this client (see ketama flavors).
        #[arg(long, value_name = "NAME", value_parser = flavor_named)]
        flavor: Option<Flavor>,
    },
    /// Check a server file the way the library reads it, explaining every surprise.
    ///
    /// Exits 1 when the library rejects the file (errors), 0 when it accepts it, even with
    /// lines it reads differently from how they look (warnings), unless --strict is given.
    Check {
        /// The server file.
        file: PathBuf,
        /// Exit 1 on warnings too.
        #[arg(long)]
        strict: bool,
    },
    /// Compare each server's share of the weight with its exact share of the hash ring.
    Dist {
        /// The server file.
        file: PathBuf,
        /// The ring of this client (see ketama flavors).
        #[arg(long, value_name = "NAME", value_parser = flavor_named)]
        flavor: Option<Flavor>,
    },
    /// Show exactly which share of the keys moves, and where, when OLD is replaced by NEW.
    ///
    /// With --to-flavor, NEW may be left out: what moves when the fleet of OLD changes client
    /// library, from the ring of --flavor to that of --to-flavor.
    Diff {
        /// The server file in use.
        old: PathBuf,
        /// The server file to be deployed (OLD when left out).
        #[arg(required_unless_present = "to_flavor")]
        new: Option<PathBuf>,
        /// The ring of this client, for OLD (and NEW, unless --to-flavor is given).
        #[arg(long, value_name = "NAME", value_parser = flavor_named)]
        flavor: Option<Flavor>,
        /// The ring of this client for NEW.
        #[arg(long, value_name = "NAME", value_parser = flavor_named)]
        to_flavor: Option<Flavor>,
    },
    /// List the ring flavors: each client library's ring that --flavor can answer as.
    Flavors,
}

/// `--flavor NAME`: the flavor, or the list of names.
fn flavor_named(name: &str) -> Result<Flavor, String> {
    Flavor::named(name).map_err(|err| err.to_string())
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

/// What the commands read a server file under.
#[derive(Clone, Copy)]
struct Reading<'a> {
    rules: Option<Rules>,
    pool: Option<&'a str>,
    flavor: Option<Flavor>,
}

impl Reading<'_> {
    /// The same, as another flavor.
    fn as_flavor(self, flavor: Option<Flavor>) -> Self {
        Reading { flavor, ..self }
    }
}

/// Reads a server file and builds its continuum exactly as the library does under `how`; also
/// the name messages give it.
fn load(path: &Path, how: Reading) -> Result<(String, input::Loaded), Failure> {
    let input = input::read(path)?;
    let rules = Rules::for_path(how.rules, path);
    let loaded = input::load(&input, rules, how.flavor, how.pool)?;
    Ok((input.name, loaded))
}

/// "1 server", "2 servers".
fn plural(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
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

/// Decimals that show three significant digits of the smallest of `shares` (0 to 1, as
/// percentages), and at least three: with 10,000 servers a share is about 0.01%. Shares under
/// one hash value of the ring (a weight's share can be far smaller) count as 0.
fn decimals(shares: impl Iterator<Item = f64>) -> usize {
    let one_hash = 1.0 / arcs::RING as f64;
    let smallest = shares.filter(|&s| s >= one_hash).fold(1.0, f64::min) * 100.0;
    (2 - smallest.log10().floor() as i64).clamp(3, 12) as usize
}

/// A share of the ring (0 to 1) as a percentage with `decimals` decimals.
fn percent(share: f64, decimals: usize) -> String {
    format!("{:.*}%", decimals, share * 100.0)
}

fn run(cli: Cli, out: &mut impl Write) -> Result<ExitCode, Failure> {
    let json = cli.json;
    let how = Reading {
        rules: cli.rules,
        pool: cli.pool.as_deref(),
        flavor: None,
    };
    let code = match cli.command {
        Command::Map { file, keys, flavor } => {
            if input::is_stdin(&file) && keys.is_empty() {
                return Err(Failure::Message(
                    "the server file and the keys cannot both come from standard input: \
                     give the keys as arguments"
                        .to_string(),
                ));
            }
            map::run(&file, how.as_flavor(flavor), &keys, json, out)?
        }
        Command::Points { file, flavor } => points::run(&file, how.as_flavor(flavor), json, out)?,
        Command::Check { file, strict } => {
            let rules = Rules::for_path(how.rules, &file);
            check::run(&file, rules, how.pool, strict, json, out)?
        }
        Command::Dist { file, flavor } => dist::run(&file, how.as_flavor(flavor), json, out)?,
        Command::Flavors => flavors::run(json, out)?,
        Command::Diff {
            old,
            new,
            flavor,
            to_flavor,
        } => {
            let new = new.unwrap_or_else(|| old.clone());
            if input::is_stdin(&old) && input::is_stdin(&new) {
                return Err(Failure::Message(
                    "standard input can be read once: give OLD or NEW as -, not both".to_string(),
                ));
            }
            let old_how = how.as_flavor(flavor);
            let new_how = how.as_flavor(to_flavor.or(flavor));
            diff::run((&old, old_how), (&new, new_how), json, out)?
        }
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
