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
    assert!(names.len() >= 27, "fixtures missing: {names:?}");
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
