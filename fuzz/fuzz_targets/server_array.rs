//! Arbitrary server arrays, as `create_ketama` receives them: the builder against the
//! reference, and, for every array a server file can spell, against the parser reading it
//! (a weight past LONG_MAX is spelled as the negative number the original stores as it).
#![no_main]

use arbitrary::Arbitrary;
use ketama::cache::load;
use ketama::continuum::{Server, Total};
use ketama::parse::parse;
use ketama_fuzz::{assert_same, check_build, CHECKED_POINTS};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

/// Weights of every size, so that small sums are as likely as overflowing ones.
#[derive(Arbitrary, Debug)]
enum Weight {
    Small(u8),
    Medium(u32),
    Full(u64),
}

impl Weight {
    fn value(&self) -> u64 {
        match *self {
            Weight::Small(w) => w.into(),
            Weight::Medium(w) => w.into(),
            Weight::Full(w) => w,
        }
    }
}

/// Can `addr` be written as a server-file line's address that reads back as itself? Every
/// weight can: strtol's long taken as an unsigned long spells them all.
fn spellable(addr: &[u8]) -> bool {
    (1..=23).contains(&addr.len())
        && addr[0] != b'#'
        && !addr.iter().any(|b| matches!(b, b' ' | b'\t' | b'\n' | 0))
        && !addr.iter().all(|b| matches!(b, b'\x0b' | b'\x0c' | b'\r'))
}

fuzz_target!(|input: Vec<(Vec<u8>, Weight)>| {
    let servers: Vec<Server> = input
        .iter()
        .take(64)
        .map(|(addr, weight)| Server::new(addr.clone(), weight.value()))
        .collect();
    let built = check_build(servers.clone(), Total::Checked);
    if servers.is_empty() || !servers.iter().all(|s| spellable(&s.addr)) {
        return;
    }
    let mut file = Vec::new();
    for s in &servers {
        file.extend_from_slice(&s.addr);
        file.extend_from_slice(format!(" {}\n", s.weight as i64).as_bytes());
    }
    if let Ok(read) = parse(&file) {
        assert_eq!(read, servers, "the file spells other servers");
    }
    match (load(Path::new("fuzz"), &file), built) {
        (Ok(from_file), Some(built)) => assert_same(&from_file, &built),
        (Err(_), None) => {}
        // Only an array too big to check may come back without a continuum while its file
        // rolls: where the array's sum is refused the file's wraps, and a file whose total
        // wraps never rolls (its shares add up to twice the ring or more).
        (Ok(from_file), None) => assert!(
            from_file.points().len() as u64 > CHECKED_POINTS,
            "the file rolls, the array is refused"
        ),
        (Err(e), Some(_)) => panic!("the file is refused ({e}), the array builds"),
    }
});
