//! Server files: the parser against the reference, the continuum against the reference, and
//! the roll of the file (what `ketama_roll` does) against the build from the parsed servers.
#![no_main]

use ketama::cache::Cache;
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
    let Some(built) = parsed.ok().and_then(check_build) else {
        return;
    };
    let path = std::env::temp_dir().join(format!("ketama-fuzz-{}.servers", std::process::id()));
    std::fs::write(&path, data).unwrap();
    let rolled = Cache::new()
        .roll(&path)
        .expect("a file whose servers build must roll");
    std::fs::remove_file(&path).unwrap();
    assert_same(&rolled.continuum, &built);
});
