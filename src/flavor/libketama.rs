//! libketama's own ring, the default flavor: last.fm's libketama 1.x and every binding of it.
//!
//! MD5 of `"<address>-<k>"`, four little-endian points a digest, for `k` below the server's
//! count of digests; the count computed with the original's mix of single and double precision,
//! because a pure-f32 or pure-f64 formula gives a different count for some weights and so moves
//! keys (SPEC.md). A key goes to the first point at or after its MD5 word, the server listed
//! first winning a tie.

use super::{check_server, KeyHash, Lookup, Points, Recipe, Ties, Total};
use crate::build_error::BuildError;
use crate::continuum::{Server, MAX_POINTS};

/// libketama's ring: what every other recipe starts from, saying only how its client differs
/// (`..RING`).
pub(crate) const RING: Recipe = Recipe {
    name: c"libketama",
    aliases: &["ketama"],
    clients: c"last.fm libketama 1.x and its bindings (PHP, Python, Perl, Lua, Erlang, Go), \
              this library's create_ketama and ketama_roll",
    identity: None,
    inputs: digest_counts,
    points: Points::Md5 { words: 4 },
    key: KeyHash::Md5,
    key_name: "md5",
    prepare: None,
    named: false,
    lookup: Lookup::AtOrAfter,
    ties: Ties::Earlier,
    unweighted: None,
};

pub static RECIPE: Recipe = RING;

/// How many MD5 digests (4 points each) a server gets: the original's
/// `floorf(pct * 40.0 * (float)n)` with `pct` a float, the product taken in double. `None`
/// where the original's conversion of that float to an `unsigned int` is undefined: at
/// 2^32 and above, and for the infinity a total of 0 gives.
pub fn digests_for(weight: u64, total: u64, servers: usize) -> Option<u32> {
    let pct = weight as f32 / total as f32;
    let product = f64::from(pct) * 40.0 * f64::from(servers as f32);
    let digests = (product as f32).floor();
    (0.0..4_294_967_296.0)
        .contains(&digests)
        .then_some(digests as u32)
}

/// The digests of each server, after every check the original's arithmetic needs: the
/// weights summed as `total` says, each server's count defined, and all of them within the
/// original's array of `160 * n` points, then within `MAX_POINTS`. The servers are judged
/// in order, as the original's loop meets them.
pub fn digest_counts(servers: &[Server], total: Total) -> Result<Vec<u32>, BuildError> {
    if servers.is_empty() {
        return Err(BuildError::NoServers);
    }
    // Server indices are handed to C as an int.
    if servers.len() > i32::MAX as usize {
        return Err(BuildError::TooManyPoints);
    }
    let (mut sum, mut wrapped) = (0u64, false);
    for (index, s) in servers.iter().enumerate() {
        check_server(index, s)?;
        let (next, over) = sum.overflowing_add(s.weight);
        if over && total == Total::Checked {
            return Err(BuildError::TotalOverflow);
        }
        (sum, wrapped) = (next, wrapped || over);
    }
    let room = 160 * servers.len() as u64;
    let mut points = 0u64;
    let mut counts = Vec::with_capacity(servers.len());
    for (index, s) in servers.iter().enumerate() {
        let Some(digests) = digests_for(s.weight, sum, servers.len()) else {
            return Err(BuildError::CountUndefined {
                index,
                addr: s.addr.clone(),
                weight: s.weight,
                total: sum,
                wrapped,
            });
        };
        points += 4 * u64::from(digests);
        if points > room {
            return Err(BuildError::PastTheArray {
                index,
                addr: s.addr.clone(),
                points,
                total: sum,
                wrapped,
            });
        }
        counts.push(digests);
    }
    if points > MAX_POINTS {
        return Err(BuildError::TooManyPoints);
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::continuum::Continuum;

    fn server(addr: &str, weight: u64) -> Server {
        Server::new(addr, weight)
    }

    #[test]
    fn float_rounding_of_the_digest_count() {
        // Fixture float_trap_single_precision: all-f32 arithmetic gives 15 here.
        assert_eq!(digests_for(2, 25, 5), Some(16));
        let pure_f32 = ((2f32 / 25f32) * 40f32 * 5f32).floor() as u32;
        assert_eq!(pure_f32, 15);
        // Fixture float_trap_double_precision: all-f64 arithmetic gives 152 here.
        assert_eq!(digests_for(8_362_224, 17_489_621, 8), Some(153));
        let pure_f64 = (8_362_224f64 / 17_489_621f64 * 40.0 * 8.0).floor() as u32;
        assert_eq!(pure_f64, 152);
        // Fixture float_trap_zero_points: 117 in f64; and a tiny share gets no point at all.
        assert_eq!(digests_for(708, 720, 3), Some(118));
        assert_eq!(digests_for(4, 720, 3), Some(0));
        // One server always gets 40 digests, whatever its weight.
        assert_eq!(digests_for(7, 7, 1), Some(40));
        assert_eq!(digests_for(u64::MAX, u64::MAX, 1), Some(40));
    }

    #[test]
    fn digest_counts_the_original_cannot_convert_are_none() {
        // A total of 0 (wrapped): the share is infinite.
        assert_eq!(digests_for(1, 0, 2), None);
        // 2^64 / 1 * 40 * 2 is far past 2^32.
        assert_eq!(digests_for(u64::MAX, 1, 2), None);
        // 53687088 * 80 is the largest float below 2^32; 53687092 * 80 rounds to 2^32.
        assert_eq!(digests_for(53_687_088, 1, 2), Some(4_294_967_040));
        assert_eq!(digests_for(53_687_092, 1, 2), None);
    }

    #[test]
    fn a_file_sums_weights_as_an_unsigned_long_does() {
        let file = |servers: Vec<Server>| Continuum::build_with(servers, Total::Wrapping);
        let max = i64::MAX as u64;
        // "a -1": 2^64 - 1 of a total of 2^64 - 1, the 160 points of a lone server.
        let alone = file(vec![server("a", u64::MAX)]).unwrap();
        assert_eq!(alone.points().len(), 160);
        // "a -10", "b 3": the total does not wrap; a's share rounds to 1, b's to nothing.
        let ring = file(vec![server("a", u64::MAX - 9), server("b", 3)]).unwrap();
        assert_eq!(ring.points().len(), 320);
        assert_eq!(ring.server_info(0).unwrap().points, 320);
        assert_eq!(ring.server_info(1).unwrap().points, 0);
        // Two LONG_MAX and a 1: exactly ULONG_MAX, no wrap, the plain continuum.
        let exact = vec![server("a", max), server("b", max), server("c", 1)];
        assert_eq!(
            file(exact.clone()).unwrap().points(),
            Continuum::build(exact).unwrap().points()
        );
        // A total wrapping to 0: every share is a division by zero; the first server is
        // where the original's arithmetic goes wrong.
        let zero = file(vec![server("a", u64::MAX), server("b", 1)]).unwrap_err();
        assert!(matches!(
            zero,
            BuildError::CountUndefined {
                index: 0,
                total: 0,
                wrapped: true,
                ..
            }
        ));
        // Wrapping to a small total: a's share is billions of times the ring.
        let small = file(vec![server("a", max), server("b", max), server("c", 3)]).unwrap_err();
        assert_eq!(small.server(), Some(0));
        assert!(matches!(small, BuildError::CountUndefined { total: 1, .. }));
        // Wrapping to a large total: each count is fine, their sum is past 160 a server.
        // Two weights of 2^64 - 10 add up to 2^64 - 20 once wrapped: 80 digests each, and
        // the second server's 320 points pass the 320 the original's array holds.
        let past = file(vec![server("a", u64::MAX - 9), server("b", u64::MAX - 9)]).unwrap_err();
        assert_eq!(
            past,
            BuildError::PastTheArray {
                index: 1,
                addr: b"b".to_vec(),
                points: 640,
                total: u64::MAX - 19,
                wrapped: true,
            }
        );
        // The in-memory API refuses those sums outright.
        assert_eq!(
            Continuum::build(vec![server("a", u64::MAX - 9), server("b", u64::MAX - 9)])
                .unwrap_err(),
            BuildError::TotalOverflow
        );
    }

    #[test]
    fn messages_about_undefined_counts_say_why() {
        let file = |servers: Vec<Server>| Continuum::build_with(servers, Total::Wrapping);
        let zero = file(vec![server("a", u64::MAX), server("b", 1)]).unwrap_err();
        assert_eq!(
            zero.to_string(),
            "the weights add up to 0, their sum having wrapped around past ULONG_MAX to a \
             multiple of 2^64, so the share of server \"a\" is a division by zero; the \
             original's behaviour is undefined there"
        );
        let max = i64::MAX as u64;
        let small = file(vec![server("a", max), server("b", max), server("c", 3)]).unwrap_err();
        assert_eq!(
            small.to_string(),
            "server \"a\" of weight 9223372036854775807 would get 2^32 digests or more, more \
             than the original counts in an unsigned int: the weights add up to only 1, their \
             sum having wrapped around past ULONG_MAX"
        );
        let past = file(vec![server("a", u64::MAX - 9), server("b", u64::MAX - 9)]).unwrap_err();
        assert_eq!(
            past.to_string(),
            "the servers up to \"b\" would get 640 points, more than the original's array \
             holds (160 a server): the weights add up to only 18446744073709551596, their sum \
             having wrapped around past ULONG_MAX"
        );
    }
}
