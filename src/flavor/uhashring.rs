//! Python uhashring 2.x with `hash_fn='ketama'`.
//!
//! A node is named as given. It gets `40 * n * W // T` MD5s (integers) of `"<name>-<k>"`, four
//! points each, in a dict where a later node's equal point replaces an earlier one's. A key goes
//! to the first point after its MD5 word (`bisect`), wrapping.

use super::libketama::RING;
use super::{weighted, Lookup, Recipe, Ties, Total};
use crate::build_error::BuildError;
use crate::continuum::Server;

/// Largest weight total counted (Python's integers have no limit).
const MOST: u64 = u32::MAX as u64;

fn inputs(servers: &[Server], _: Total) -> Result<Vec<u32>, BuildError> {
    weighted(servers, MOST, 4, |w, t, n| 40 * n as u64 * w / t)
}

pub static RECIPE: Recipe = Recipe {
    name: c"uhashring",
    aliases: &[],
    clients: c"Python uhashring 2.x (hash_fn='ketama')",
    inputs,
    lookup: Lookup::After,
    ties: Ties::Later,
    ..RING
};
