//! Every reference fixture of the original library, replayed through the Rust core: the same
//! continuum, the same lookups, and for rejected files a failure at the same line.

use ketama::cache::Cache;
use ketama::continuum::Continuum;
use ketama::hash;
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("c-tests/fixtures")
}

fn cases() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".expected").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 31, "fixtures missing: {names:?}");
    names
}

/// The fixture program's output for a continuum that rolled.
fn replay(c: &Continuum, keys: &str) -> String {
    let mut out = format!("roll\t1\nerror\t\nnumpoints\t{}\n", c.points().len());
    let ip = |i: usize| {
        let ip = &c.points()[i].ip;
        let len = ip.iter().position(|&b| b == 0).unwrap_or(ip.len());
        String::from_utf8_lossy(&ip[..len]).into_owned()
    };
    for (i, p) in c.points().iter().enumerate() {
        writeln!(out, "point\t{}\t{}", p.point, ip(i)).unwrap();
    }
    for key in keys.split_terminator('\n') {
        let h = hash::key_hash(key.as_bytes());
        let i = c.locate(h).unwrap();
        writeln!(out, "key\t{key}\t{h}\t{}\t{}", c.points()[i].point, ip(i)).unwrap();
    }
    out
}

#[test]
fn every_fixture_matches_the_original() {
    let keys = std::fs::read_to_string(fixtures().join("keys.txt")).unwrap();
    let cache = Cache::new();
    for name in cases() {
        let path = fixtures().join(format!("{name}.servers"));
        let expected = std::fs::read_to_string(fixtures().join(format!("{name}.expected")))
            .unwrap()
            .replace("{FILE}", &path.display().to_string());
        match cache.roll(&path) {
            Ok(rolled) => {
                assert!(expected.starts_with("roll\t1\n"), "{name} should fail");
                let got = replay(&rolled.continuum, &keys);
                assert!(got == expected, "{name}: output differs from the original");
            }
            Err(err) => {
                let message = err.to_string();
                assert!(
                    expected.starts_with("roll\t0\n"),
                    "{name} should roll: {message}"
                );
                let original = expected
                    .lines()
                    .nth(1)
                    .unwrap()
                    .strip_prefix("error\t")
                    .unwrap();
                if let Some(at) = original.find(" (line ") {
                    let suffix = &original[at..];
                    assert!(
                        message.ends_with(suffix),
                        "{name}: {message:?} vs {suffix:?}"
                    );
                    assert!(message.len() > suffix.len(), "{name}: message says nothing");
                } else {
                    let file = path.display().to_string();
                    assert!(
                        message.contains(&file),
                        "{name}: {message:?} does not name the file"
                    );
                }
            }
        }
    }
}

#[test]
fn rejected_fixtures_say_what_is_wrong() {
    let cache = Cache::new();
    let message = |name: &str| {
        let path = fixtures().join(format!("{name}.servers"));
        let err = cache.roll(&path).unwrap_err().to_string();
        err.replace(&path.display().to_string(), "FILE")
    };
    // Plain quotes, without the newline the weight was read with (ketama_error()'s text).
    assert_eq!(
        message("err_bad_weight"),
        "weight \"lots\" is not a number (line 2 in FILE)"
    );
    assert_eq!(
        message("err_weight_one_digit_no_newline"),
        "weight \"7\" is not a number once its last character is dropped \
         (the last character of a weight is always dropped, as if it were the newline) \
         (line 2 in FILE)"
    );
    assert_eq!(
        message("err_name_24_chars"),
        "address \"cache-dddd.example:11211\" is 24 bytes long; a server file allows at most 23 \
         (line 1 in FILE)"
    );
    assert_eq!(
        message("err_zero_weight"),
        "weight of \"10.0.1.2:11211\" is 0 (line 2 in FILE)"
    );
    assert_eq!(
        message("err_empty_file"),
        "No valid server definitions in file FILE"
    );
    assert_eq!(
        message("err_missing_file"),
        "cannot open server file FILE: No such file or directory"
    );
}

/// The fixtures of negative weights and wrapping totals, stated plainly besides the byte
/// comparison above: what each server gets, and where the rejected ones fail.
#[test]
fn negative_weights_and_wrapping_totals_as_the_original_reads_them() {
    let cache = Cache::new();
    let roll = |name: &str| cache.roll(&fixtures().join(format!("{name}.servers")));
    // "-1" is 2^64 - 1: alone, a server's 40 digests, 160 points.
    let alone = roll("neg_weight_alone").unwrap().continuum;
    assert_eq!(alone.servers()[0].weight, u64::MAX);
    assert_eq!(alone.points().len(), 160);
    // "-10" beside "3": the total 2^64 - 7 does not wrap; the first server's share rounds
    // to 1 in float and it takes all 2 × 160 points, the second gets none.
    let ring = roll("neg_weight_takes_the_ring").unwrap().continuum;
    assert_eq!(ring.servers()[0].weight, u64::MAX - 9);
    assert_eq!(ring.points().len(), 320);
    assert!((0..320).all(|i| ring.owner(i) == 0));
    assert_eq!(ring.server_info(1).unwrap().points, 0);
    // A line the original rejects is reported, not the weights before it: line 2 after a
    // negative weight, line 4 after a total that wrapped around to 0 on line 3. The message
    // is about the line's own server, which has no weight.
    for (name, line, addr) in [
        ("err_neg_weight_then_missing_weight", 2, "10.0.1.2:11211"),
        (
            "err_wrapping_total_then_missing_weight",
            4,
            "10.0.1.4:11211",
        ),
    ] {
        let err = roll(name).unwrap_err().to_string();
        assert!(err.contains(addr), "{name}: {err}");
        assert!(err.contains(&format!("(line {line} in ")), "{name}: {err}");
    }
}
