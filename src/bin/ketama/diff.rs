//! `ketama diff`: exactly which share of the keys moves when OLD becomes NEW, and between
//! which servers, from the arcs of both rings; set against the least any placement could move,
//! because ketama recomputes every server's points from the server count and so also moves
//! keys between servers that stay.

use crate::{column_width, json, load, percent, text, Failure};
use ketama::arcs::{self, RING};
use ketama::continuum::Continuum;
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Where keys move: (address in OLD, address in NEW).
type Pair<'a> = (&'a [u8], &'a [u8]);

/// One file's side of the comparison.
struct Side<'a> {
    path: &'a Path,
    ring: Continuum,
}

impl Side<'_> {
    /// Total weight per address, in file order of first appearance.
    fn weights(&self) -> Weights<'_> {
        let mut weights = Weights::default();
        for s in self.ring.servers() {
            match weights.index.get(&s.addr[..]) {
                Some(&i) => weights.list[i].1 += s.weight,
                None => {
                    weights.index.insert(&s.addr, weights.list.len());
                    weights.list.push((&s.addr, s.weight));
                }
            }
        }
        weights
    }

    fn total(&self) -> u64 {
        self.ring.servers().iter().map(|s| s.weight).sum()
    }

    fn summary(&self) -> String {
        format!(
            "{}: {} servers, {} points",
            self.path.display(),
            self.ring.servers().len(),
            self.ring.points().len()
        )
    }
}

/// Weights by address: a list in file order, and an index into it (files of many thousand
/// servers are compared in linear time).
#[derive(Default)]
struct Weights<'a> {
    list: Vec<(&'a [u8], u64)>,
    index: HashMap<&'a [u8], usize>,
}

impl<'a> Weights<'a> {
    fn get(&self, addr: &[u8]) -> Option<u64> {
        self.index.get(addr).map(|&i| self.list[i].1)
    }

    /// The addresses, with their weights, that `other` lacks.
    fn missing_from(&self, other: &Weights) -> Vec<(&'a [u8], u64)> {
        self.list
            .iter()
            .filter(|(a, _)| other.get(a).is_none())
            .copied()
            .collect()
    }
}

/// The least share of keys that must move to go from OLD's weights to NEW's, by address: the
/// total variation distance of the two weight distributions, computed exactly.
fn ideal(old: &Side, new: &Side) -> f64 {
    let (old_total, new_total) = (u128::from(old.total()), u128::from(new.total()));
    let old_weights = old.weights();
    let gained: u128 = new
        .weights()
        .list
        .iter()
        .map(|&(addr, w)| {
            let before = old_weights.get(addr).unwrap_or(0);
            (u128::from(w) * old_total).saturating_sub(u128::from(before) * new_total)
        })
        .sum();
    gained as f64 / (old_total as f64 * new_total as f64)
}

pub fn run(old: &Path, new: &Path, json: bool, out: &mut impl Write) -> Result<ExitCode, Failure> {
    let old = Side {
        path: old,
        ring: load(old)?,
    };
    let new = Side {
        path: new,
        ring: load(new)?,
    };
    let mut moves: BTreeMap<Pair, u64> = BTreeMap::new();
    for ((o, n), hashes) in arcs::transfers(&old.ring, &new.ring) {
        let from = &old.ring.servers()[o].addr[..];
        let to = &new.ring.servers()[n].addr[..];
        if from != to {
            *moves.entry((from, to)).or_insert(0) += hashes;
        }
    }
    let mut moves: Vec<(Pair, u64)> = moves.into_iter().collect();
    moves.sort_by_key(|&(_, hashes)| Reverse(hashes));
    let moved: u64 = moves.iter().map(|(_, h)| h).sum();
    let share = |hashes: u64| hashes as f64 / RING as f64;
    let ideal = ideal(&old, &new);

    let (old_weights, new_weights) = (old.weights(), new.weights());
    let added = new_weights.missing_from(&old_weights);
    let removed = old_weights.missing_from(&new_weights);
    let reweighted: Vec<(&[u8], u64, u64)> = old_weights
        .list
        .iter()
        .filter_map(|&(a, w)| match new_weights.get(a) {
            Some(n) if n != w => Some((a, w, n)),
            _ => None,
        })
        .collect();

    if json {
        let side = |s: &Side| {
            format!(
                "{{\"file\":{},\"servers\":{},\"points\":{}}}",
                json::string(s.path.display().to_string().as_bytes()),
                s.ring.servers().len(),
                s.ring.points().len()
            )
        };
        let list = |servers: &[(&[u8], u64)]| {
            servers
                .iter()
                .map(|(a, w)| format!("{{\"server\":{},\"weight\":{w}}}", json::string(a)))
                .collect::<Vec<_>>()
                .join(",")
        };
        let changed = reweighted
            .iter()
            .map(|(a, o, n)| {
                format!(
                    "{{\"server\":{},\"old_weight\":{o},\"new_weight\":{n}}}",
                    json::string(a)
                )
            })
            .collect::<Vec<_>>()
            .join(",");
        writeln!(
            out,
            "{{\"old\":{},\"new\":{},\"added\":[{}],\"removed\":[{}],\"reweighted\":[{changed}],",
            side(&old),
            side(&new),
            list(&added),
            list(&removed)
        )?;
        writeln!(out, "\"moves\":[")?;
        for (i, ((from, to), hashes)) in moves.iter().enumerate() {
            let comma = if i + 1 < moves.len() { "," } else { "" };
            writeln!(
                out,
                "{{\"from\":{},\"to\":{},\"hashes\":{hashes},\"fraction\":{}}}{comma}",
                json::string(from),
                json::string(to),
                share(*hashes)
            )?;
        }
        writeln!(
            out,
            "],\"moved\":{{\"hashes\":{moved},\"fraction\":{}}},\"ideal\":{{\"fraction\":{ideal}}}}}",
            share(moved)
        )?;
        return Ok(ExitCode::SUCCESS);
    }

    writeln!(out, "old: {}", old.summary())?;
    writeln!(out, "new: {}", new.summary())?;
    for (a, w) in &added {
        writeln!(out, "added: {} (weight {w})", text(a))?;
    }
    for (a, w) in &removed {
        writeln!(out, "removed: {} (weight {w})", text(a))?;
    }
    for (a, o, n) in &reweighted {
        writeln!(out, "reweighted: {} ({o} -> {n})", text(a))?;
    }
    if !moves.is_empty() {
        let wf = column_width(moves.iter().map(|((from, _), _)| *from), "from");
        let wt = column_width(moves.iter().map(|((_, to), _)| *to), "to");
        writeln!(out)?;
        writeln!(out, "{:<wf$}  {:<wt$}  {:>8}", "from", "to", "keys")?;
        for ((from, to), hashes) in &moves {
            writeln!(
                out,
                "{:<wf$}  {:<wt$}  {:>8}",
                text(from),
                text(to),
                percent(share(*hashes))
            )?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "moved: {} of the keys ({moved} of {RING} hashes)",
        percent(share(moved))
    )?;
    let verdict = if moved == 0 {
        "no key moves".to_string()
    } else if ideal > 0.0 {
        format!("ketama moves {:.2} times that", share(moved) / ideal)
    } else {
        "the weights did not change, yet keys move".to_string()
    };
    writeln!(
        out,
        "ideal: {} (the share of weight that changes servers); {verdict}",
        percent(ideal)
    )?;
    Ok(ExitCode::SUCCESS)
}
