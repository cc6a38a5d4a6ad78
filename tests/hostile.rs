//! Hostile server files through the same path `ketama_roll` takes (`Cache::roll`): each one
//! either rolls, and then gives exactly the continuum of the reference transcription of SPEC,
//! or is refused with a message; the same answer every time, and never a hang.

mod reference;

use ketama::cache::{Cache, RollError, MAX_FILE_SIZE};
use ketama::continuum::{BuildError, Continuum, MAX_POINTS};
use reference::{Refusal, Reject, Sum};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ketama-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// A continuum, comparable across rolls: each point with its server's address.
type Points = Vec<(u32, Vec<u8>)>;

/// What a roll gives: the continuum, or the message.
type Outcome = Result<Points, String>;

fn summary(c: &Continuum) -> Points {
    (0..c.points().len())
        .map(|i| (c.points()[i].point, c.servers()[c.owner(i)].addr.clone()))
        .collect()
}

/// Rolls `path` on a thread of its own, failing the test instead of hanging with it.
fn roll_within(cache: Arc<Cache>, path: &Path, limit: Duration) -> Outcome {
    let (tx, rx) = mpsc::channel();
    let owned = path.to_path_buf();
    std::thread::spawn(move || {
        let outcome = cache
            .roll(&owned)
            .map(|r| summary(&r.continuum))
            .map_err(|e| e.to_string());
        let _ = tx.send(outcome);
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("roll of {} still running after {limit:?}", path.display()))
}

/// The continuum the reference gives for `bytes`, or, when it refuses them, the line the
/// refusal must name (`None` for a refusal without one: no servers, more than 2^24 points).
fn expected(bytes: &[u8]) -> Result<Points, Option<u32>> {
    let servers = reference::roll(bytes).map_err(|reject| match reject {
        Reject::AtLine(line) => Some(line),
        Reject::NoServers => None,
    })?;
    if reference::point_count(&servers, Sum::File).is_ok_and(|n| n > MAX_POINTS) {
        return Err(None);
    }
    let points = reference::continuum(&servers, Sum::File);
    Ok(points
        .into_iter()
        .map(|(p, s)| (p, servers[s].0.clone()))
        .collect())
}

/// Rolls `path` three times (twice on fresh caches, once from the cache) and checks that the
/// answers agree, name the file when they fail, and match the reference for `bytes` (the
/// file's content, `None` when it is not a readable regular file). Returns the message of a
/// refusal.
fn check_file(path: &Path, bytes: Option<&[u8]>) -> Option<String> {
    let limit = Duration::from_secs(60);
    let shared = Arc::new(Cache::new());
    let first = roll_within(shared.clone(), path, limit);
    let cached = roll_within(shared, path, limit);
    let fresh = roll_within(Arc::new(Cache::new()), path, limit);
    assert_eq!(
        first,
        cached,
        "{}: a second roll answers otherwise",
        path.display()
    );
    assert_eq!(
        first,
        fresh,
        "{}: a fresh cache answers otherwise",
        path.display()
    );
    let want = bytes.map_or(Err(None), expected);
    match (&first, want) {
        (Ok(got), Ok(want)) => {
            assert!(
                *got == want,
                "{}: continuum differs from SPEC",
                path.display()
            );
            None
        }
        (Ok(_), Err(_)) => panic!("{} rolled; the reference rejects it", path.display()),
        (Err(message), Err(line)) => {
            assert!(
                message.contains(&path.display().to_string()),
                "message does not name the file: {message}"
            );
            if let Some(line) = line {
                let at = format!("(line {line} in {})", path.display());
                assert!(message.ends_with(&at), "{message} should end {at}");
            }
            Some(message.clone())
        }
        (Err(message), Ok(_)) => {
            panic!(
                "{} refused ({message}); the reference rolls it",
                path.display()
            )
        }
    }
}

fn check_bytes(name: &str, bytes: &[u8]) -> Option<String> {
    let path = scratch(name);
    std::fs::write(&path, bytes).unwrap();
    let outcome = check_file(&path, Some(bytes));
    std::fs::remove_file(&path).unwrap();
    outcome
}

/// xorshift64: reproducible noise without a dependency.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn nul_bytes_end_the_line() {
    assert_eq!(
        check_bytes("nul1", b"a:1 100\n\0\0\0b:2 50\nc\0:3 7\n"),
        None
    );
    assert_eq!(check_bytes("nul2", b"a:1 10\0 0\nb:1 5\n"), None);
    assert_eq!(check_bytes("nul3", b"\0a:1 10\nb:2 30\n"), None);
    let all_nul = check_bytes("nul4", &[0; 4000]).unwrap();
    assert!(
        all_nul.starts_with("No valid server definitions"),
        "{all_nul}"
    );
}

#[test]
fn invalid_utf8_is_just_bytes() {
    assert_eq!(
        check_bytes("utf8", b"\xff\xfe:1 100\n\xc3\x28 5\n\xed\xa0\x80:9 3\n"),
        None
    );
    let refused = check_bytes("utf8-bad", b"a:1 100\n\xff\xff 0\n").unwrap();
    assert!(refused.contains("\\xff\\xff"), "{refused}");
    assert!(refused.contains("(line 2 in "), "{refused}");
}

#[test]
fn a_line_of_one_megabyte() {
    let mb = 1 << 20;
    let mut long_addr = b"a:1 100\n".to_vec();
    long_addr.extend(std::iter::repeat_n(b'x', mb));
    long_addr.push(b'\n');
    let m = check_bytes("mb-addr", &long_addr).unwrap();
    assert!(m.contains("(line 2 in "), "{m}");
    // A comment is read 126 bytes at a time: its second piece is not a comment.
    let mut comment = vec![b'x'; mb];
    comment[0] = b'#';
    comment.extend_from_slice(b"\na:1 100\n");
    assert!(check_bytes("mb-comment", &comment)
        .unwrap()
        .contains("(line 2 in "));
    let mut spaces = b"a:1 100\n".to_vec();
    spaces.extend(std::iter::repeat_n(b' ', mb));
    assert!(check_bytes("mb-spaces", &spaces)
        .unwrap()
        .contains("(line 2 in "));
    // 1 MB made only of short reads and NULs rolls its one server.
    let mut quiet = vec![b'\n'; mb];
    quiet.extend_from_slice(b"a:1 100\n");
    assert_eq!(check_bytes("mb-newlines", &quiet), None);
}

#[test]
fn a_million_lines() {
    let mut file = Vec::new();
    for i in 0..1_000_000 {
        match i % 4 {
            0 => file.extend_from_slice(b"# comment\n"),
            1 => file.extend_from_slice(b"\n"),
            2 if i % 100_000 == 2 => {
                file.extend_from_slice(format!("10.0.{}.1:11211 {}\n", i / 100_000, i).as_bytes())
            }
            _ => file.extend_from_slice(b"#\n"),
        }
    }
    assert_eq!(check_bytes("million", &file), None);
    file.extend_from_slice(b"bad:1 x\n");
    let m = check_bytes("million-bad", &file).unwrap();
    assert!(m.contains("(line 1000001 in "), "{m}");
}

/// A weight for a generated server line: an ordinary one `ordinary` times in `ordinary + 4`,
/// else one at the edges of the original's arithmetic: negative (a huge unsigned long, taking
/// the ring or wrapping the total), near LONG_MIN or LONG_MAX (two of them pass ULONG_MAX),
/// or a large power of two.
fn weight(noise: &mut Noise, ordinary: usize) -> String {
    let near = |noise: &mut Noise| i64::MAX - noise.below(1 << 20) as i64;
    match noise.below(4 + ordinary) {
        0 => format!("-{}", 1 + noise.below(1 << 20)),
        1 => format!("-{}", near(noise)),
        2 => near(noise).to_string(),
        3 => (1u64 << (32 + noise.below(31))).to_string(),
        _ => (1 + noise.below(500)).to_string(),
    }
}

/// Server-file-like noise: lines built from plausible and implausible pieces, some bytes then
/// overwritten at random, so that both rolled and refused files come out.
fn noisy_file(noise: &mut Noise) -> Vec<u8> {
    const PIECES: [&[u8]; 14] = [
        b"10.0.0.1:11211",
        b"host",
        b"#",
        b" ",
        b"\t",
        b"\n",
        b"100\n",
        b"7\n",
        b"-3\n",
        b"0\n",
        b"+12x\n",
        b"\r\n",
        b"\0",
        b"99999999999999999999\n",
    ];
    let mut file = Vec::new();
    for _ in 0..noise.below(12) {
        if noise.below(3) > 0 {
            file.extend_from_slice(format!("s{}:{} ", noise.below(50), noise.below(9)).as_bytes());
            file.extend_from_slice(format!("{}\n", weight(noise, 12)).as_bytes());
        } else {
            for _ in 0..1 + noise.below(4) {
                file.extend_from_slice(PIECES[noise.below(PIECES.len())]);
            }
        }
    }
    for _ in 0..noise.below(3) {
        if !file.is_empty() {
            let at = noise.below(file.len());
            file[at] = noise.next() as u8;
        }
    }
    file
}

#[test]
fn random_bytes_roll_like_the_reference() {
    let mut noise = Noise(0x2545_f491_4f6c_dd1d);
    let (mut rolled, mut refused) = (0, 0);
    for round in 0..400 {
        let bytes: Vec<u8> = if round % 10 == 9 {
            (0..noise.below(400)).map(|_| noise.next() as u8).collect()
        } else {
            noisy_file(&mut noise)
        };
        match check_bytes("random", &bytes) {
            None => rolled += 1,
            Some(_) => refused += 1,
        }
    }
    // Both branches of the comparison were exercised.
    assert!(
        rolled >= 50 && refused >= 50,
        "{rolled} rolled, {refused} refused"
    );
}

/// Files in the shape of `c-tests/fixtures` (well-formed server lines, now and then a bad one
/// last) with weights mostly at the edges: each rolls as the reference does, or is refused at
/// the reference's line.
#[test]
fn edge_weights_roll_like_the_reference() {
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    let (mut negative_rolled, mut wrapped_refused, mut line_refused) = (0, 0, 0);
    for _ in 0..400 {
        let mut file = String::new();
        for i in 0..1 + noise.below(8) {
            let w = weight(&mut noise, 1);
            file.push_str(&format!("10.0.{}.{i}:11211\t{w}\n", noise.below(4)));
        }
        if noise.below(5) == 0 {
            file.push_str("10.0.9.9:11211\n");
        }
        match check_bytes("edges", file.as_bytes()) {
            None if file.contains('-') => negative_rolled += 1,
            None => {}
            Some(m) if m.contains("wrapped around past ULONG_MAX") => wrapped_refused += 1,
            Some(m) if m.contains("10.0.9.9:11211") => line_refused += 1,
            Some(m) => panic!("{file}: {m}"),
        }
    }
    // Each way out was taken often enough to mean something.
    assert!(
        negative_rolled >= 20 && wrapped_refused >= 100 && line_refused >= 40,
        "{negative_rolled} with negative weights rolled, {wrapped_refused} wrapping totals \
         refused, {line_refused} refused for a bad line"
    );
}

#[test]
fn servers_in_bulk_match_the_reference() {
    let mut noise = Noise(7);
    let file: String = (0..3000)
        .map(|i| {
            format!(
                "host-{i}.example:{} {}\n",
                11211 + i % 7,
                1 + noise.below(1000)
            )
        })
        .collect();
    assert_eq!(check_bytes("bulk", file.as_bytes()), None);
}

/// The continuum of servers that get `digests` each, stated without the reference: the MD5
/// words of "<address>-<k>", sorted stably by point (ties to the earlier server).
fn ring(servers: &[(&str, u32)]) -> Points {
    let mut points: Points = servers
        .iter()
        .flat_map(|&(addr, digests)| {
            (0..digests).flat_map(move |k| {
                let digest = ketama::hash::md5(format!("{addr}-{k}").as_bytes());
                ketama::hash::words(&digest).map(|p| (p, addr.as_bytes().to_vec()))
            })
        })
        .collect();
    points.sort_by_key(|&(p, _)| p);
    points
}

/// Rolls `text` (through `check_bytes`, so against the reference too) and returns its
/// continuum, failing when it is refused.
fn rolls(name: &str, text: &str) -> Points {
    assert_eq!(
        check_bytes(name, text.as_bytes()),
        None,
        "{name} is refused"
    );
    let path = scratch(name);
    std::fs::write(&path, text).unwrap();
    let got = summary(&Cache::new().roll(&path).unwrap().continuum);
    std::fs::remove_file(&path).unwrap();
    got
}

/// Rolls `text` (against the reference too), expecting a refusal at `line`; returns the
/// message.
fn refused_at(name: &str, text: &str, line: u32) -> String {
    let m = check_bytes(name, text.as_bytes()).unwrap_or_else(|| panic!("{name} rolled"));
    assert!(m.contains(&format!("(line {line} in ")), "{name}: {m}");
    m
}

#[test]
fn negative_weights_are_huge_unsigned_longs() {
    // Alone: 2^64 - 1 of a total of 2^64 - 1, a lone server's 40 digests.
    assert_eq!(rolls("neg-alone", "a:1 -1\n"), ring(&[("a:1", 40)]));
    assert_eq!(
        rolls("neg-long-min", &format!("a:1 {}\n", i64::MIN)),
        ring(&[("a:1", 40)])
    );
    // First or last, with small weights beside it: the total (2^64 - 2) does not wrap, the
    // negative weight's share rounds to 1 in float, and it takes the whole ring of 3 servers.
    assert_eq!(
        rolls("neg-first", "a:1 -5\nb:1 2\nc:1 1\n"),
        ring(&[("a:1", 120)])
    );
    assert_eq!(
        rolls("neg-last", "a:1 2\nb:1 1\nc:1 -5\n"),
        ring(&[("c:1", 120)])
    );
    assert_eq!(
        rolls("neg-beside", "a:1 -1000000\nb:1 999999\n"),
        ring(&[("a:1", 80)])
    );
    // -LONG_MAX is 2^63 + 1: beside LONG_MAX - 1 the two are halves of 2^64 - 1.
    let halves = format!("a:1 -{}\nb:1 {}\n", i64::MAX, i64::MAX - 1);
    assert_eq!(
        rolls("neg-halves", &halves),
        ring(&[("a:1", 40), ("b:1", 40)])
    );
}

#[test]
fn weights_near_and_past_ulong_max() {
    let max = i64::MAX;
    assert_eq!(
        rolls("w-long-max", &format!("a:1 {max}\n")),
        ring(&[("a:1", 40)])
    );
    // Found by fuzzing (the reference got it wrong): strtol skips leading zeros, however many.
    let zeros = format!("10.0.2.53:11211\t{}100\nb:1 5\n", "0".repeat(86));
    assert_eq!(check_bytes("w-zeros", zeros.as_bytes()), None);
    assert_eq!(
        reference::parse(zeros.as_bytes()).unwrap()[0],
        (b"10.0.2.53:11211".to_vec(), 100)
    );
    // Two LONG_MAX and a 1 add up to exactly ULONG_MAX: halves, and nothing for the 1.
    assert_eq!(
        rolls("w-sum-exact", &format!("a:1 {max}\nb:1 {max}\nc:1 1\n")),
        ring(&[("a:1", 60), ("b:1", 60)])
    );
    // Past LONG_MAX and LONG_MIN strtol reports ERANGE, and the original rejects the line.
    for (name, text, line) in [
        (
            "w-ulong-max",
            "a:1 1\nb:1 18446744073709551615\n".to_string(),
            2,
        ),
        (
            "w-long-max-1",
            format!("a:1 {}\nb:1 1\n", max as u64 + 1),
            1,
        ),
        ("w-long-min-1", format!("b:1 1\na:1 {}9\n", i64::MIN), 2),
        ("w-digits", format!("a:1 {}\n", "9".repeat(100)), 1),
        ("w-zeros-past", format!("a:1 {}1{max}\n", "0".repeat(80)), 1),
    ] {
        refused_at(name, &text, line);
    }
}

#[test]
fn totals_that_wrap_are_refused_at_the_server_where_the_original_goes_wrong() {
    let max = i64::MAX;
    // To a small total (1): the first server's share is billions of rings.
    for (name, text) in [
        ("wrap-small", format!("a:1 {max}\nb:1 {max}\nc:1 3\n")),
        ("wrap-small-neg", "a:1 -1\nb:1 2\n".to_string()),
    ] {
        let m = refused_at(name, &text, 1);
        assert!(m.contains("would get 2^32 digests or more"), "{m}");
        assert!(
            m.contains("add up to only 1, their sum having wrapped"),
            "{m}"
        );
    }
    // To 0: a division by zero, from the first server on.
    for (name, text) in [
        ("wrap-zero", format!("a:1 {max}\nb:1 {max}\nc:1 2\n")),
        ("wrap-zero-neg", "a:1 -1\nb:1 1\n".to_string()),
    ] {
        let m = refused_at(name, &text, 1);
        assert!(m.contains("division by zero"), "{m}");
    }
    // To a large total: every count is in range, but the points pass the 160 a server the
    // original's array holds at the second (of three LONG_MAX) or the third server.
    let m = refused_at(
        "wrap-past-array",
        &format!("a:1 {max}\nb:1 {max}\nc:1 {max}\n"),
        2,
    );
    assert!(
        m.starts_with("the servers up to \"b:1\" would get 960 points"),
        "{m}"
    );
    refused_at("wrap-two-neg", "a:1 -10\nb:1 -10\n", 2);
    refused_at("wrap-past-third", "a:1 1\nb:1 -1\nc:1 -1\n", 3);
}

/// `create_ketama`'s servers as the library takes them.
fn array(servers: &[reference::Server]) -> Vec<ketama::continuum::Server> {
    servers
        .iter()
        .map(|(addr, weight)| ketama::continuum::Server::new(addr.clone(), *weight))
        .collect()
}

#[test]
fn arrays_refuse_the_sums_files_wrap() {
    let max = i64::MAX as u64;
    for weights in [
        vec![u64::MAX, 1],
        vec![max, max, 3],
        vec![u64::MAX - 9, u64::MAX - 9],
    ] {
        let servers: Vec<reference::Server> = (0..weights.len())
            .map(|i| (format!("s{i}:1").into_bytes(), weights[i]))
            .collect();
        assert_eq!(
            reference::point_count(&servers, Sum::Array),
            Err(Refusal::Invalid)
        );
        assert!(matches!(
            reference::point_count(&servers, Sum::File),
            Err(Refusal::UndefinedAt(_))
        ));
        assert_eq!(
            Continuum::build(array(&servers)).unwrap_err(),
            BuildError::TotalOverflow,
            "{weights:?}"
        );
    }
    // Weights past LONG_MAX that do not wrap build as the file spelling them rolls.
    let servers = vec![(b"a:1".to_vec(), u64::MAX - 9), (b"b:1".to_vec(), 3)];
    assert_eq!(reference::point_count(&servers, Sum::Array), Ok(320));
    let built = Continuum::build(array(&servers)).unwrap();
    let points: Vec<(u32, usize)> = (0..built.points().len())
        .map(|i| (built.points()[i].point, built.owner(i)))
        .collect();
    assert_eq!(points, reference::continuum(&servers, Sum::Array));
    assert_eq!(summary(&built), rolls("array-as-file", "a:1 -10\nb:1 3\n"));
}

#[test]
fn a_line_the_original_rejects_wins_over_what_the_weights_before_it_do() {
    let max = i64::MAX;
    let m = refused_at("first-neg-then-missing", "a:1 -1\nb:1\n", 2);
    assert!(m.contains("\"b:1\""), "{m}");
    refused_at(
        "wrap-then-missing",
        &format!("a:1 {max}\nb:1 {max}\nc:1 2\nd:1\n"),
        4,
    );
    refused_at("zero-then-bad", "a:1 -1\nb:1 1\nc:1 x\n", 3);
    refused_at(
        "past-then-long",
        &format!("a:1 -10\nb:1 -10\n{}\n", "x".repeat(30)),
        3,
    );
}

#[test]
fn files_over_the_limit_are_refused_unread() {
    let path = scratch("huge");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(MAX_FILE_SIZE + 1).unwrap();
    let m = check_file(&path, None).unwrap();
    assert!(m.contains("files over 16777216 bytes are refused"), "{m}");
    // At the limit the file is read: here, zeros and one server.
    file.set_len(MAX_FILE_SIZE - 8).unwrap();
    drop(file);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"\na:1 10\n");
    assert_eq!(bytes.len() as u64, MAX_FILE_SIZE);
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(check_file(&path, Some(&bytes)), None);
    std::fs::remove_file(&path).unwrap();
}

/// A server file asking for more than 2^24 points is refused: 110,000 servers of 160 points.
#[test]
fn more_points_than_the_limit_are_refused() {
    let bytes: Vec<u8> = (0..110_000)
        .flat_map(|i| format!("s{i} 1\n").into_bytes())
        .collect();
    let path = scratch("too-many-points");
    std::fs::write(&path, &bytes).unwrap();
    let m = check_file(&path, Some(&bytes)).unwrap();
    assert!(m.contains("points"), "{m}");
    std::fs::remove_file(&path).unwrap();
}

/// Regression: a file under the size limit made of tiny server lines asked for some 670
/// million points (about 27 GB) and took the process down; it is refused before any is made.
/// Long (13 s of a debug build, the reference parsing 4 million lines): make test checks the
/// same refusal on a smaller file (`more_points_than_the_limit_are_refused`).
#[test]
#[ignore = "long: make test-long"]
fn a_file_asking_for_too_many_points_is_refused() {
    let bytes = b"a 1\n".repeat((MAX_FILE_SIZE / 4) as usize);
    let path = scratch("point-bomb");
    std::fs::write(&path, &bytes).unwrap();
    let servers = reference::parse(&bytes).unwrap();
    assert!(reference::point_count(&servers, Sum::File).unwrap() > MAX_POINTS);
    let m = check_file(&path, Some(&bytes)).unwrap();
    assert!(m.contains("points"), "{m}");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn special_files_are_refused_without_blocking() {
    let fifo = scratch("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let m = check_file(&fifo, None).unwrap();
    assert!(m.contains("FIFO"), "{m}");
    let m = check_file(Path::new("/dev/zero"), None).unwrap();
    assert!(m.contains("a device"), "{m}");
    let dir = scratch("dir");
    std::fs::create_dir(&dir).unwrap();
    assert!(check_file(&dir, None).unwrap().contains("a directory"));
    let (a, b) = (scratch("loop-a"), scratch("loop-b"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let m = check_file(&a, None).unwrap();
    assert!(m.contains("symbolic links"), "{m}");
    let m = check_file(&scratch("missing"), None).unwrap();
    assert!(m.contains("No such file"), "{m}");
}

#[test]
fn a_file_without_read_permission() {
    use std::os::unix::fs::PermissionsExt;
    let path = scratch("unreadable");
    let bytes = b"a:1 100\n";
    std::fs::write(&path, bytes).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::File::open(&path).is_ok() {
        // Root (or CAP_DAC_OVERRIDE) reads it anyway, and so must the library;
        // c-tests/test_hostile.c drops privileges in a child to test the refusal.
        println!("running with permission to read mode-0 files: the refusal is not testable here");
        assert_eq!(check_file(&path, Some(bytes)), None);
    } else {
        let m = check_file(&path, None).unwrap();
        assert!(m.contains("Permission denied"), "{m}");
    }
    std::fs::remove_file(&path).unwrap();
}

/// The servers of every prefix of `content`, with its continuum when it has one: what a roll
/// racing with a truncation or a rewrite may see.
fn prefixes(content: &[u8]) -> Vec<Option<Points>> {
    let mut seen: Vec<Vec<reference::Server>> = Vec::new();
    let mut out = Vec::new();
    for len in 0..=content.len() {
        if let Ok(servers) = reference::parse(&content[..len]) {
            if !seen.contains(&servers) {
                seen.push(servers);
                out.push(expected(&content[..len]).ok());
            }
        }
    }
    out
}

/// Writes a file of 40 servers under `name` and rolls it while `mutate(path, content)` runs in
/// a loop on another thread: every roll must give the continuum of some prefix of the
/// content, or a message naming the file. Once the mutations stop (each leaves the file
/// whole), the next roll gives the whole file's continuum.
fn roll_while(name: &str, mut mutate: impl FnMut(&Path, &[u8]) + Send + 'static) {
    let content: Vec<u8> = (0..40)
        .flat_map(|i| format!("10.1.0.{i}:11211 {}\n", 10 + i).into_bytes())
        .collect();
    let path = scratch(name);
    std::fs::write(&path, &content).unwrap();
    let allowed = prefixes(&content);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, path, content) = (stop.clone(), path.clone(), content.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                mutate(&path, &content);
            }
        })
    };
    let cache = Cache::new();
    for _ in 0..400 {
        match cache.roll(&path) {
            Ok(r) => {
                let got = Some(summary(&r.continuum));
                assert!(allowed.contains(&got), "a roll saw a file that never was");
            }
            Err(e) => assert!(e.to_string().contains(&path.display().to_string()), "{e}"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    let whole = cache.roll(&path).expect("the whole file rolls again");
    assert_eq!(Ok(summary(&whole.continuum)), expected(&content));
}

#[test]
fn a_file_truncated_while_it_is_read() {
    use std::os::unix::fs::FileExt;
    let mut file = None;
    let mut cut = 0;
    roll_while("truncated", move |path, content| {
        let file =
            file.get_or_insert_with(|| std::fs::OpenOptions::new().write(true).open(path).unwrap());
        cut = (cut + 37) % content.len();
        file.set_len(cut as u64).unwrap();
        file.write_all_at(&content[cut..], cut as u64).unwrap();
    });
}

#[test]
fn a_file_deleted_while_it_is_read() {
    roll_while("deleted", |path, content| {
        let _ = std::fs::remove_file(path);
        std::fs::write(path, content).unwrap();
    });
}

#[test]
fn a_failed_reload_disturbs_nothing() {
    let path = scratch("reload");
    let good = b"10.0.0.1:11211 100\n10.0.0.2:11211 200\n";
    std::fs::write(&path, good).unwrap();
    let cache = Cache::new();
    let held = cache.roll(&path).unwrap().continuum;
    let before = summary(&held);
    let answers: Vec<Option<usize>> = (0..500)
        .map(|k| held.server_for(format!("key{k}").as_bytes()))
        .collect();
    // Each starts from a missing file.
    let breakages: [&dyn Fn(&Path); 6] = [
        &|p| std::fs::write(p, "10.0.0.1:11211 0\n").unwrap(),
        &|p| std::fs::write(p, "10.0.0.1:11211 -1\n10.0.0.2:11211 1\n").unwrap(),
        &|p| std::fs::write(p, b"\xff\xfe\0garbage").unwrap(),
        &|_| {},
        &|p| std::fs::create_dir(p).unwrap(),
        &|p| {
            std::fs::File::create(p)
                .unwrap()
                .set_len(MAX_FILE_SIZE + 1)
                .unwrap()
        },
    ];
    for (i, breakage) in breakages.iter().enumerate() {
        std::fs::remove_file(&path).unwrap();
        breakage(&path);
        let err = cache.roll(&path).unwrap_err();
        assert!(!err.to_string().is_empty(), "breakage {i}");
        if matches!(err, RollError::NotRegular { .. }) {
            std::fs::remove_dir(&path).unwrap();
        } else {
            let _ = std::fs::remove_file(&path);
        }
        assert_eq!(
            summary(&held),
            before,
            "breakage {i} changed a held continuum"
        );
        let again: Vec<Option<usize>> = (0..500)
            .map(|k| held.server_for(format!("key{k}").as_bytes()))
            .collect();
        assert_eq!(again, answers, "breakage {i} moved keys");
        let fixed = format!("10.0.0.1:11211 100\n10.0.0.{}:11211 50\n", 3 + i);
        std::fs::write(&path, &fixed).unwrap();
        let next = cache.roll(&path).unwrap().continuum;
        assert_eq!(Ok(summary(&next)), expected(fixed.as_bytes()));
    }
}

#[test]
fn lookups_agree_with_a_linear_scan() {
    let servers: Vec<reference::Server> = (0..50)
        .map(|i| (format!("10.9.0.{i}:11211").into_bytes(), 1 + i * 3))
        .collect();
    let c = Continuum::build(array(&servers)).unwrap();
    let points: Vec<u32> = c.points().iter().map(|p| p.point).collect();
    let mut keys: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
    keys.push((0..=255u8).collect());
    keys.push(vec![0xa5; 1 << 20]);
    keys.push(Vec::new());
    for key in &keys {
        assert_eq!(
            c.locate(ketama::hash::key_hash(key)),
            reference::lookup(&points, key)
        );
    }
    let edges = points
        .iter()
        .flat_map(|&p| [p.wrapping_sub(1), p, p.wrapping_add(1)])
        .chain([0, u32::MAX]);
    for h in edges {
        assert_eq!(c.locate(h), reference::scan(&points, h), "hash {h}");
    }
}

#[test]
fn reference_rejects_where_the_parser_does() {
    // The oracle itself, on the files whose rejection line SPEC spells out.
    assert_eq!(reference::parse(b""), Err(Reject::NoServers));
    assert_eq!(reference::parse(b"a:1 5\n\t\n"), Err(Reject::AtLine(2)));
    assert_eq!(
        reference::parse(b"a:1 600"),
        Ok(vec![(b"a:1".to_vec(), 60)])
    );
    assert_eq!(
        reference::parse(b"a:1 100MB\n"),
        Ok(vec![(b"a:1".to_vec(), 100)])
    );
}
