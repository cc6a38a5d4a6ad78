//! `ketama dist`: how far each server's share of the keys is from its share of the weight,
//! from the exact arcs of the ring. With 160 points per server on average the shares are
//! only roughly proportional, and a server that gets 0 points shows up at -100%.

use crate::{column_width, decimals, json, load, percent, text, Failure, Reading};
use ketama::arcs::{self, RING};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Characters of the bar of the largest share.
const BAR_WIDTH: usize = 30;

struct Row<'a> {
    addr: &'a [u8],
    weight: u64,
    points: usize,
    hashes: u64,
    weight_share: f64,
    ring_share: f64,
}

impl Row<'_> {
    /// Relative excess of keys over weight: +0.1 is 10% more keys than the weight asks for.
    fn deviation(&self) -> f64 {
        self.ring_share / self.weight_share - 1.0
    }
}

pub fn run(
    file: &Path,
    how: Reading,
    json: bool,
    out: &mut impl Write,
) -> Result<ExitCode, Failure> {
    let (name, loaded) = load(file, how)?;
    let c = loaded.ring;
    let total: u64 = c.servers().iter().map(|s| s.weight).sum();
    let shares = arcs::server_shares(&c);
    let mut points = vec![0; c.servers().len()];
    for i in 0..c.points().len() {
        points[c.owner(i)] += 1;
    }
    let mut rows: Vec<Row> = c
        .servers()
        .iter()
        .zip(shares)
        .zip(points)
        .map(|((s, hashes), points)| Row {
            addr: &s.addr,
            weight: s.weight,
            points,
            hashes,
            weight_share: s.weight as f64 / total as f64,
            ring_share: hashes as f64 / RING as f64,
        })
        .collect();
    // Most overloaded first; the sort is stable, so equal deviations keep file order.
    rows.sort_by(|a, b| b.deviation().total_cmp(&a.deviation()));
    let worst = rows
        .iter()
        .max_by(|a, b| a.deviation().abs().total_cmp(&b.deviation().abs()))
        .expect("a continuum has servers");
    if json {
        writeln!(
            out,
            "{{\"file\":{},\"servers\":[",
            json::string(name.as_bytes())
        )?;
        for (i, r) in rows.iter().enumerate() {
            let comma = if i + 1 < rows.len() { "," } else { "" };
            writeln!(
                out,
                "{{\"server\":{},\"weight\":{},\"points\":{},\"hashes\":{},\
                 \"weight_share\":{},\"ring_share\":{},\"deviation\":{}}}{comma}",
                json::string(r.addr),
                r.weight,
                r.points,
                r.hashes,
                r.weight_share,
                r.ring_share,
                r.deviation()
            )?;
        }
        writeln!(
            out,
            "],\"worst\":{{\"server\":{},\"deviation\":{}}}}}",
            json::string(worst.addr),
            worst.deviation()
        )?;
        return Ok(ExitCode::SUCCESS);
    }

    let width = column_width(rows.iter().map(|r| r.addr), "server");
    let places = decimals(rows.iter().flat_map(|r| [r.weight_share, r.ring_share]));
    let share = |s: f64| percent(s, places);
    let share_width = share(1.0).len().max(8);
    // A negative weight in the file is read as a 20-digit unsigned long.
    let weights = rows
        .iter()
        .map(|r| r.weight.to_string().len())
        .fold(8, usize::max);
    let largest = rows
        .iter()
        .map(|r| r.ring_share.max(r.weight_share))
        .fold(0.0, f64::max);
    writeln!(
        out,
        "{:<width$}  {:>weights$}  {:>6}  {:>share_width$}  {:>share_width$}  {:>9}  # keys, | weight",
        "server", "weight", "points", "weight%", "keys%", "deviation"
    )?;
    for r in &rows {
        writeln!(
            out,
            "{:<width$}  {:>weights$}  {:>6}  {:>share_width$}  {:>share_width$}  {:>9}  {}",
            text(r.addr),
            r.weight,
            r.points,
            share(r.weight_share),
            share(r.ring_share),
            format!("{:+.1}%", r.deviation() * 100.0),
            bar(r.ring_share / largest, r.weight_share / largest)
        )?;
    }
    writeln!(
        out,
        "worst: {} gets {} of the keys for {} of the weight ({:+.1}%)",
        text(worst.addr),
        share(worst.ring_share),
        share(worst.weight_share),
        worst.deviation() * 100.0
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `#` up to the share of keys, `|` at the share of weight (both scaled to 0..=1).
fn bar(keys: f64, weight: f64) -> String {
    let cells = |share: f64| (share * BAR_WIDTH as f64).round() as usize;
    let (filled, mark) = (cells(keys), cells(weight).min(BAR_WIDTH));
    (0..filled.max(mark + 1))
        .map(|i| match i {
            i if i == mark => '|',
            i if i < filled => '#',
            _ => ' ',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_marks_the_weight_inside_or_past_the_keys() {
        assert_eq!(
            bar(1.0, 0.5),
            format!("{}|{}", "#".repeat(15), "#".repeat(14))
        );
        assert_eq!(bar(0.1, 0.2), "###   |");
        assert_eq!(bar(0.0, 0.0), "|");
    }
}
