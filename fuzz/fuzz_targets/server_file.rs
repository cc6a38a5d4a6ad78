//! Server files: the parser against the reference, the continuum (weights summed as a file's
//! are) against the reference, and the roll of the file (what `ketama_roll` does) against the
//! build from the parsed servers, or its refusal against the reference's line.
#![no_main]

use ketama::cache::Cache;
use ketama::continuum::Total;
use ketama::parse::{parse, ParseError};
use ketama_fuzz::reference::{self, Reject};
use ketama_fuzz::{as_reference, assert_same, check_build};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = parse(data);
    match (&parsed, reference::parse(data)) {
        (Ok(servers), Ok(expected)) => assert_eq!(as_reference(servers), expected),
        (Err(ParseError::NoServers), Err(Reject::NoServers)) => {}
        (Err(ParseError::Line { line, .. }), Err(Reject::AtLine(at))) => assert_eq!(*line, at),
        (got, expected) => panic!("parser: {got:?}, reference: {expected:?}"),
    }
    let Ok(servers) = parsed else {
        return;
    };
    let built = check_build(servers, Total::Wrapping);
    let line = match reference::roll(data) {
        Err(Reject::AtLine(line)) => Some(line),
        _ => None,
    };
    if built.is_none() && line.is_none() {
        // Refused for its size, or too big to check.
        return;
    }
    let path = std::env::temp_dir().join(format!("ketama-fuzz-{}.servers", std::process::id()));
    std::fs::write(&path, data).unwrap();
    let rolled = Cache::new().roll(&path);
    std::fs::remove_file(&path).unwrap();
    match (rolled, built, line) {
        (Ok(rolled), Some(built), _) => assert_same(&rolled.continuum, &built),
        (Err(e), None, Some(line)) => {
            let at = format!("(line {line} in {})", path.display());
            assert!(e.to_string().ends_with(&at), "{e} should end {at}");
        }
        (rolled, built, line) => panic!(
            "roll: {:?}, build: {}, reference's line: {line:?}",
            rolled.map(|_| "rolled"),
            if built.is_some() { "built" } else { "refused" }
        ),
    }
});
