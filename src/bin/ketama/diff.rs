//! `ketama diff`: exactly which share of the keys moves when OLD becomes NEW, and between
//! which servers, from the arcs of both rings; set against the least any placement could move,
//! because ketama recomputes every server's points from the server count and so also moves
//! keys between servers that stay.

use crate::{column_width, decimals, json, load, percent, plural, text, Failure, Reading};
use ketama::arcs::{self, RING};
use ketama::continuum::Continuum;
use ketama::flavor::Flavor;
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Where keys move: (address in OLD, address in NEW).
type Pair<'a> = (&'a [u8], &'a [u8]);

/// One file's side of the comparison.
struct Side {
    name: String,
    ring: Continuum,
}

impl Side {
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

    /// The hash values each address owns (an address listed twice is one server to a key).
    fn hashes(&self) -> HashMap<&[u8], u64> {
        let mut hashes = HashMap::new();
        for (s, owned) in self
            .ring
            .servers()
            .iter()
            .zip(arcs::server_shares(&self.ring))
        {
            *hashes.entry(&s.addr[..]).or_insert(0) += owned;
        }
        hashes
    }

    /// `FILE: N servers, M points`, the flavor after the file where `flavors` says so.
    fn summary(&self, flavors: bool) -> String {
        let flavor = if flavors {
            format!(" ({})", self.ring.flavor())
        } else {
            String::new()
        };
        format!(
            "{}{flavor}: {}, {}",
            self.name,
            plural(self.ring.servers().len(), "server"),
            plural(self.ring.points().len(), "point")
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

/// The least any placement could move to give every server the share of the keys NEW gives
/// it, in hash values: what the servers that gain keys gain (the total variation distance of
/// the two rings' shares). Every key a server gains comes from another server, so ketama moves
/// at least this; more when it also moves keys between servers whose share stays.
fn ideal(old: &Side, new: &Side) -> u64 {
    let before = old.hashes();
    new.hashes()
        .into_iter()
        .map(|(addr, after)| after.saturating_sub(before.get(addr).copied().unwrap_or(0)))
        .sum()
}

pub fn run(
    (old, old_how): (&Path, Reading),
    (new, new_how): (&Path, Reading),
    json: bool,
    out: &mut impl Write,
) -> Result<ExitCode, Failure> {
    let (name, loaded) = load(old, old_how)?;
    let old = Side {
        name,
        ring: loaded.ring,
    };
    let (name, loaded) = load(new, new_how)?;
    let new = Side {
        name,
        ring: loaded.ring,
    };
    let transfers = arcs::transfers(&old.ring, &new.ring);
    let mut moves: BTreeMap<Pair, u64> = BTreeMap::new();
    for ((o, n), hashes) in transfers.moves {
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
    let places = decimals(moves.iter().map(|&(_, h)| share(h)));
    let percent = |hashes: u64| percent(share(hashes), places);

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
                "{{\"file\":{},\"flavor\":\"{}\",\"servers\":{},\"points\":{}}}",
                json::string(s.name.as_bytes()),
                s.ring.flavor(),
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
            "{{\"old\":{},\"new\":{},\"exact\":{},\"added\":[{}],\"removed\":[{}],\
             \"reweighted\":[{changed}],",
            side(&old),
            side(&new),
            transfers.exact,
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
            "],\"moved\":{{\"hashes\":{moved},\"fraction\":{}}},\
             \"ideal\":{{\"hashes\":{ideal},\"fraction\":{}}}}}",
            share(moved),
            share(ideal)
        )?;
        return Ok(ExitCode::SUCCESS);
    }

    let flavors = [&old, &new]
        .iter()
        .any(|s| s.ring.flavor() != Flavor::LIBKETAMA);
    writeln!(out, "old: {}", old.summary(flavors))?;
    writeln!(out, "new: {}", new.summary(flavors))?;
    if !transfers.exact {
        writeln!(
            out,
            "estimate: the two rings hash keys differently ({} and {}), so a key's two places \
             are independent: each pair of servers gets the product of their shares",
            old.ring.flavor().recipe().key_name,
            new.ring.flavor().recipe().key_name
        )?;
    }
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
                percent(*hashes)
            )?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "moved: {} of the keys ({moved} of {RING} hashes)",
        percent(moved)
    )?;
    let verdict = if moved == 0 {
        "no key moves".to_string()
    } else if ideal > 0 {
        format!("ketama moves {:.2} times that", moved as f64 / ideal as f64)
    } else {
        "every server keeps its share, yet keys move".to_string()
    };
    writeln!(
        out,
        "ideal: {} (the share of the keys that servers gain: no placement moves less); \
         {verdict}",
        percent(ideal)
    )?;
    Ok(ExitCode::SUCCESS)
}
