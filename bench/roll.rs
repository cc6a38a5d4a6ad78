//! Where the time of a first roll goes: each step of reading a server file into a continuum,
//! timed apart on the same fleets as `bench/bench.c` (its addresses and weights), each figure
//! the median of several runs with the fastest and slowest beside it. `parse` reads the file's
//! bytes into servers; `md5` hashes every point's input (`points::hash_points`); `sort` orders
//! the points (`sort::sort_by_point`); `structure` builds the `mcs` array and the search
//! structure (`Continuum::from_sorted`). `all` is the whole of it in one go, the validation of
//! the servers and the count of their points included (`Flavor::inputs`, then
//! `Continuum::build_on`), as a roll does it.
//!
//! A fleet large enough for the build to use several threads (`Workers::for_points`) is timed
//! twice: on one thread, then on as many as a roll uses on this machine.
//!
//! Usage: cargo run --release --example roll [-- REPS [SERVERS...]]   (default: 9 runs of 8,
//! 100, 1000 and 10,000 servers; `make bench` runs it)

use ketama::continuum::{Continuum, Total};
use ketama::flavor::Flavor;
use ketama::parse;
use ketama::workers::Workers;
use ketama::{points, sort};
use std::hint::black_box;
use std::time::Instant;

/// The server file `bench/bench.c` writes for `n` servers.
fn server_file(n: u32) -> Vec<u8> {
    (0..n)
        .map(|i| {
            let weight = 100 + (u64::from(i) * 7919) % 900;
            format!(
                "10.{}.{}.{}:11211\t{weight}\n",
                i / 65536,
                (i / 256) % 256,
                i % 256
            )
        })
        .collect::<String>()
        .into_bytes()
}

/// Milliseconds since `t0`.
fn ms(t0: Instant) -> f64 {
    t0.elapsed().as_secs_f64() * 1e3
}

/// `median (min-max)` of `v`.
fn summary(v: &mut [f64]) -> String {
    v.sort_by(f64::total_cmp);
    let median = v[v.len() / 2];
    format!("{median:7.2} ({:.2}-{:.2})", v[0], v[v.len() - 1])
}

/// One row: the steps of `reps` rolls of `file` on `workers`.
fn row(file: &[u8], reps: usize, workers: Workers) {
    let mut steps: [Vec<f64>; 5] = Default::default();
    let mut points = 0;
    for _ in 0..reps {
        // The whole roll first.
        let t0 = Instant::now();
        let servers = parse::parse(file).unwrap();
        let counts = Flavor::LIBKETAMA.inputs(&servers, Total::Wrapping).unwrap();
        let c = Continuum::build_on(servers, Flavor::LIBKETAMA, &counts, workers);
        let all = ms(t0);
        points = c.points().len();
        drop(black_box(c));

        // Then each step by itself.
        let t0 = Instant::now();
        let servers = black_box(parse::parse(file).unwrap());
        let parse = ms(t0);
        let t0 = Instant::now();
        let ids: Vec<_> = servers
            .iter()
            .map(|s| Flavor::LIBKETAMA.identity(s))
            .collect();
        let keyed = black_box(points::hash_points(
            Flavor::LIBKETAMA,
            &ids,
            &counts,
            workers,
        ));
        drop(ids);
        let md5 = ms(t0);
        let t0 = Instant::now();
        let keyed = black_box(sort::sort_by_point(keyed, workers));
        let sort = ms(t0);
        let t0 = Instant::now();
        let c = black_box(Continuum::from_sorted(
            servers,
            Flavor::LIBKETAMA,
            keyed,
            workers,
        ));
        let structure = ms(t0);
        drop(c);
        for (v, t) in steps.iter_mut().zip([parse, md5, sort, structure, all]) {
            v.push(t);
        }
    }
    let servers = file.iter().filter(|&&b| b == b'\n').count();
    print!("{servers:>7} {points:>9} {:>7}", workers.threads());
    for v in &mut steps {
        print!(" {:>22}", summary(v));
    }
    println!();
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("REPS and SERVERS are numbers"))
        .collect();
    let reps = args.first().copied().unwrap_or(9).max(1);
    let fleets = match &args[..] {
        [_, sizes @ ..] if !sizes.is_empty() => sizes.to_vec(),
        _ => vec![8, 100, 1000, 10_000],
    };
    println!("first roll by step, ms: median (fastest-slowest) of {reps} runs");
    println!(
        "{:>7} {:>9} {:>7} {:>22} {:>22} {:>22} {:>22} {:>22}",
        "servers", "points", "threads", "parse", "md5", "sort", "structure", "all (parse+build)"
    );
    for &n in &fleets {
        let file = server_file(n as u32);
        let servers = parse::parse(&file).unwrap();
        let counts = Flavor::LIBKETAMA.inputs(&servers, Total::Wrapping).unwrap();
        let points = counts.iter().map(|&k| 4 * k as usize).sum();
        let workers = Workers::for_points(points);
        if workers != Workers::ONE {
            row(&file, reps, Workers::ONE);
        }
        row(&file, reps, workers);
    }
}
