//! The `ketama` command, run as a user runs it: exact output on the reference fixtures (whose
//! expected continua and lookups come from the original library), exit statuses, and `diff`'s
//! exact arithmetic checked against mapping a large sample of keys through both files.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn ketama(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ketama"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let feeder = std::thread::spawn(move || input.write_all(&stdin));
    let out = child.wait_with_output().unwrap();
    // A command that does not read its input (keys given as arguments) closes the pipe.
    if let Err(err) = feeder.join().unwrap() {
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    }
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn fixture(name: &str) -> String {
    format!("c-tests/fixtures/{name}")
}

fn expected(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture(&format!("{name}.expected")));
    std::fs::read_to_string(path).unwrap()
}

/// Fixtures that the original rolls.
fn rolling_fixtures() -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("c-tests/fixtures");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".expected").map(str::to_string)
        })
        .filter(|name| expected(name).starts_with("roll\t1\n"))
        .collect();
    names.sort();
    assert!(names.len() >= 15, "fixtures missing: {names:?}");
    names
}

/// The original's points of a fixture: (point, ip) in continuum order.
fn original_points(name: &str) -> Vec<(u32, String)> {
    expected(name)
        .lines()
        .filter_map(|l| l.strip_prefix("point\t"))
        .map(|l| {
            let (point, ip) = l.split_once('\t').unwrap();
            (point.parse().unwrap(), ip.to_string())
        })
        .collect()
}

#[test]
fn points_prints_what_ketama_print_continuum_printed() {
    for name in rolling_fixtures() {
        let points = original_points(&name);
        let mut want = format!("Numpoints in continuum: {}\n", points.len());
        for (point, ip) in &points {
            want += &format!("{ip} ({point})\n");
        }
        let run = ketama(&["points", &fixture(&format!("{name}.servers"))], b"");
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{name}");
        assert!(
            run.stdout == want,
            "{name}: points differ from the original"
        );
    }
}

#[test]
fn points_json_lists_every_point() {
    let run = ketama(&["points", "--json", &fixture("single.servers")], b"");
    let lines: Vec<&str> = run.stdout.lines().collect();
    let points = original_points("single");
    assert_eq!(
        lines[0],
        format!("{{\"numpoints\":{},\"points\":[", points.len())
    );
    assert_eq!(
        lines[1],
        format!(
            "{{\"point\":{},\"ip\":\"{ip}\",\"server\":\"{ip}\"}},",
            points[0].0,
            ip = points[0].1
        )
    );
    assert_eq!(lines.len(), points.len() + 2);
    assert_eq!(lines[lines.len() - 1], "]}");
}

#[test]
fn map_gives_the_original_server_for_every_key() {
    let keys = std::fs::read(fixture("keys.txt")).unwrap();
    for name in [
        "lastfm8",
        "tie",
        "names_21_22_23",
        "float_trap_double_precision",
    ] {
        let want: String = expected(name)
            .lines()
            .filter_map(|l| l.strip_prefix("key\t"))
            .map(|l| {
                let fields: Vec<&str> = l.split('\t').collect();
                format!("{}\t{}\n", fields[0], fields[3])
            })
            .collect();
        let file = fixture(&format!("{name}.servers"));
        let run = ketama(&["map", &file], &keys);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        // The fixtures record mcs.ip (22 bytes); map prints the whole address.
        let got = run
            .stdout
            .replace("cache-ccc.example:11211", "cache-ccc.example:1121");
        assert!(got == want, "{name}: map differs from the original");
    }
}

#[test]
fn map_takes_keys_from_arguments_and_prints_json() {
    let file = fixture("lastfm8.servers");
    let line = |key: &str| {
        expected("lastfm8")
            .lines()
            .find_map(|l| {
                let rest = l.strip_prefix(&format!("key\t{key}\t"))?;
                let f: Vec<&str> = rest.split('\t').collect();
                Some((f[0].to_string(), f[1].to_string(), f[2].to_string()))
            })
            .unwrap()
    };
    let run = ketama(&["map", &file, "0", "1"], b"ignored\n");
    let (_, _, ip0) = line("0");
    let (_, _, ip1) = line("1");
    assert_eq!(run.stdout, format!("0\t{ip0}\n1\t{ip1}\n"));
    let run = ketama(&["--json", "map", &file, "0"], b"");
    let (hash, point, ip) = line("0");
    assert_eq!(
        run.stdout,
        format!("{{\"key\":\"0\",\"hash\":{hash},\"point\":{point},\"server\":\"{ip}\"}}\n")
    );
    // Only "\n" ends a key: the "\r" of a CRLF line is part of it, and a last line needs none.
    let run = ketama(&["map", &file], b"0\r\n\n1");
    assert_eq!(run.stdout.lines().count(), 3);
    assert!(run.stdout.starts_with("0\r\t"));
    assert!(run.stdout.ends_with(&format!("1\t{ip1}\n")));
}

/// `check`'s text output with the fixture path replaced by FILE, and its exit status.
fn check(name: &str) -> (String, i32) {
    let file = fixture(&format!("{name}.servers"));
    let run = ketama(&["check", &file], b"");
    assert_eq!(run.stderr, "");
    (run.stdout.replace(&file, "FILE"), run.code)
}

/// What `check` says of a file read as a server file.
const READ_AS_FILE: &str = "read as a server file (ketama_roll's rules)";

#[test]
fn check_passes_clean_files() {
    assert_eq!(
        check("lastfm8"),
        (
            format!("FILE: {READ_AS_FILE}: 8 servers, 1264 points; no problems\n"),
            0
        )
    );
    // CRLF works as long as no line is blank.
    assert_eq!(
        check("crlf"),
        (
            format!("FILE: {READ_AS_FILE}: 3 servers, 472 points; no problems\n"),
            0
        )
    );
    assert_eq!(
        check("single"),
        (
            format!("FILE: {READ_AS_FILE}: 1 server, 160 points; no problems\n"),
            0
        )
    );
}

#[test]
fn check_explains_each_trap_at_its_line() {
    let dropped = "the library drops a weight's last character (meant to be the newline), and here";
    let cases = [
        (
            "trailing_fields",
            format!(
                "FILE:1: warning: weight \"600\" is read as 60: {dropped} the line goes on after \
                 it (\"# rack 1\")\n\
                 FILE:2: warning: weight \"300\" is read as 30: {dropped} the line goes on after \
                 it (\"primary\")\n\
                 FILE: {READ_AS_FILE}: 3 servers, 472 points; 0 errors, 2 warnings\n"
            ),
            0,
        ),
        (
            "no_trailing_newline",
            format!(
                "FILE:3: warning: weight \"250\" is read as 25: {dropped} the file ends without \
                 a newline\n\
                 FILE: {READ_AS_FILE}: 3 servers, 472 points; 0 errors, 1 warning\n"
            ),
            0,
        ),
        (
            "names_21_22_23",
            format!(
                "FILE:2: warning: address \"cache-bb.example:11211\" is 22 bytes: mcs.ip holds \
                 22 with no room for the terminating NUL, so C clients that print it see \
                 \"cache-bb.example:11211\" or read past it\n\
                 FILE:3: warning: address \"cache-ccc.example:11211\" is 23 bytes: mcs.ip holds \
                 22 with no room for the terminating NUL, so C clients that print it see \
                 \"cache-ccc.example:1121\" or read past it\n\
                 FILE: {READ_AS_FILE}: 3 servers, 480 points; 0 errors, 2 warnings\n"
            ),
            0,
        ),
        (
            "duplicate_lines",
            format!(
                "FILE:3: warning: server \"10.0.1.1:11211\" is already on line 1: both get the \
                 same points and every tie goes to the first, so this line only gets keys from \
                 points the first does not have (none unless its weight is larger)\n\
                 FILE: {READ_AS_FILE}: 3 servers, 480 points; 0 errors, 1 warning\n"
            ),
            0,
        ),
        (
            "float_trap_zero_points",
            format!(
                "FILE:3: warning: server \"10.0.0.3:11211\" gets 0 points \
                 (floor(4 / 720 × 40 × 3) = 0): no key maps to it\n\
                 FILE: {READ_AS_FILE}: 3 servers, 476 points; 0 errors, 1 warning\n"
            ),
            0,
        ),
        (
            "leading_plus_and_junk_weight",
            format!(
                "FILE:2: warning: weight \"100MB\" is read as 100: \"MB\" after the digits is \
                 ignored\n\
                 FILE: {READ_AS_FILE}: 2 servers, 316 points; 0 errors, 1 warning\n"
            ),
            0,
        ),
        (
            // One finding for the line, with advice for a comment.
            "long_comment_line",
            format!(
                "FILE:1: error: a line of 203 bytes with its newline, which the library reads \
                 126 bytes at a time, as 2 lines (bytes 1-126: a comment; bytes 127-202: an \
                 address of 76 bytes (at most 23), which rejects the whole file): split the \
                 comment into lines of at most 125 bytes, each starting with \"#\" [the \
                 library's line 2]\n\
                 FILE: {READ_AS_FILE}: rejected by the library: 1 error, 0 warnings\n"
            ),
            1,
        ),
        (
            "err_empty_file",
            format!(
                "FILE: error: no server lines: the library rejects a file without servers\n\
                 FILE: {READ_AS_FILE}: rejected by the library: 1 error, 0 warnings\n"
            ),
            1,
        ),
    ];
    for (name, want, code) in cases {
        assert_eq!(check(name), (want, code), "{name}");
    }
}

#[test]
fn check_fails_on_warnings_only_when_strict() {
    let file = fixture("trailing_fields.servers");
    assert_eq!(ketama(&["check", &file], b"").code, 0);
    assert_eq!(ketama(&["check", "--strict", &file], b"").code, 1);
    let clean = fixture("lastfm8.servers");
    assert_eq!(ketama(&["check", "--strict", &clean], b"").code, 0);
    let rejected = fixture("err_zero_weight.servers");
    assert_eq!(ketama(&["check", &rejected], b"").code, 1);
    let help = ketama(&["check", "--help"], b"").stdout;
    assert!(help.contains("--strict") && help.contains("Exits 1 when the library rejects"));
    let man = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("man/ketama.1"))
        .unwrap();
    assert!(man.contains(".B \\-\\-strict\nFor\n.BR check :\nexit 1 on warnings too."));
}

/// A scratch file with `content`, named for the test.
fn scratch(name: &str, content: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("ketama-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.display().to_string()
}

#[test]
fn check_names_invisible_bytes() {
    let file = scratch(
        "invisible",
        "\u{feff}10.0.0.1:11211 100\n10.0.0.2\u{a0}:11211 100\n10.0.0.3:11211 100\n".as_bytes(),
    );
    let run = ketama(&["check", &file], b"");
    assert_eq!(
        run.stdout,
        format!(
            "{file}:1: warning: the file starts with a UTF-8 byte-order mark (EF BB BF), which \
             the library reads as text of this line, so the address it hashes is \
             \"\\xef\\xbb\\xbf10.0.0.1:11211\": save the file without it\n\
             {file}:2: warning: address \"10.0.0.2\\xc2\\xa0:11211\" holds U+00A0 NO-BREAK SPACE \
             at byte 9, which the library hashes as part of the address (only spaces and tabs \
             separate fields): this line names another server than it shows\n\
             {file}: {READ_AS_FILE}: 3 servers, 480 points; 0 errors, 2 warnings\n"
        )
    );
    assert_eq!(run.code, 0);
}

#[test]
fn check_reports_every_error_not_only_the_first() {
    let file = scratch("errors", b"a:1 100\n\t\nb:1 0\nc:1 x\n");
    let run = ketama(&["check", "--json", &file], b"");
    assert_eq!(run.code, 1);
    let codes: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.split("\"code\":\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(codes, ["blank_line", "weight_zero", "weight_not_number"]);
    assert!(run.stdout.starts_with(&format!(
        "{{\"file\":\"{file}\",\"rules\":\"file\",\"accepted\":false,\"servers\":null,\
         \"points\":null,\"errors\":3,\"warnings\":0,\"findings\":[\n\
         {{\"line\":2,\"library_line\":2,\"severity\":\"error\",\"code\":\"blank_line\","
    )));
    // Weights whose sum wraps around: refused where the original writes past its array (the
    // second server), and the line where the sum wraps is shown.
    let max = i64::MAX;
    let file = scratch(
        "overflow",
        format!("a:1 {max}\nb:1 {max}\nc:1 {max}\n").as_bytes(),
    );
    let run = ketama(&["check", &file], b"");
    assert_eq!(
        run.stdout,
        format!(
            "{file}:2: error: the servers up to \"b:1\" would get 960 points, more than the \
             original's array holds (160 a server): the weights add up to only \
             9223372036854775805, their sum having wrapped around past ULONG_MAX: the library \
             rejects the whole file\n\
             {file}:3: warning: the weights add up past ULONG_MAX (18446744073709551615) on this \
             line, and the library's unsigned long total wraps around to 9223372036854775805: \
             the servers' shares of it add up to far more than the whole ring\n\
             {file}: {READ_AS_FILE}: rejected by the library: 1 error, 1 warning\n"
        )
    );
}

#[test]
fn check_says_what_a_negative_weight_gets() {
    let file = fixture("neg_weight_takes_the_ring.servers");
    let run = ketama(&["check", &file], b"");
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        format!(
            "{file}:1: warning: weight -10 is read as 18446744073709551606: the library keeps \
             weights in an unsigned long, where a negative one wraps around to 2^64 - 10, so \
             this server gets the whole ring (all 320 points)\n\
             {file}:2: warning: server \"10.0.1.2:11211\" gets 0 points \
             (floor(3 / 18446744073709551609 × 40 × 2) = 0): no key maps to it\n\
             {file}: {READ_AS_FILE}: 2 servers, 320 points; 0 errors, 2 warnings\n"
        )
    );
    // What the library then does with it: every key goes to the first server.
    let run = ketama(&["map", &file, "a", "b", "c"], b"");
    assert_eq!(
        run.stdout,
        "a\t10.0.1.1:11211\nb\t10.0.1.1:11211\nc\t10.0.1.1:11211\n"
    );
    // And dist's weight column makes room for the weight as the library reads it.
    let run = ketama(&["dist", &file], b"");
    assert_eq!(
        run.stdout.lines().take(3).collect::<Vec<_>>(),
        [
            "server                        weight  points   weight%     keys%  deviation  \
             # keys, | weight",
            "10.0.1.1:11211  18446744073709551606     320  100.000%  100.000%      +0.0%  \
             ##############################|",
            "10.0.1.2:11211                     3       0    0.000%    0.000%    -100.0%  |",
        ]
    );
}

#[test]
fn dist_shows_exact_shares_sorted_with_the_worst_summarized() {
    let run = ketama(&["dist", &fixture("lastfm8.servers")], b"");
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        "server            weight  points   weight%     keys%  deviation  # keys, | weight\n\
         10.0.1.7:11211       950     280   22.093%   23.952%      +8.4%  ############################|#\n\
         10.0.1.3:11211       200      56    4.651%    4.763%      +2.4%  ######|\n\
         10.0.1.6:11211       800     236   18.605%   18.978%      +2.0%  #######################|\n\
         10.0.1.5:11211      1000     296   23.256%   23.682%      +1.8%  #############################|\n\
         10.0.1.8:11211       100      28    2.326%    2.240%      -3.7%  ###|\n\
         10.0.1.2:11211       300      88    6.977%    6.624%      -5.1%  ######## |\n\
         10.0.1.4:11211       350     104    8.140%    7.327%     -10.0%  ######### |\n\
         10.0.1.1:11211       600     176   13.953%   12.434%     -10.9%  ################ |\n\
         worst: 10.0.1.1:11211 gets 12.434% of the keys for 13.953% of the weight (-10.9%)\n"
    );
}

/// A number field of a one-record-per-line JSON output.
fn field(line: &str, name: &str) -> u64 {
    let at = line.find(&format!("\"{name}\":")).unwrap() + name.len() + 3;
    let digits: String = line[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

/// A string field of a one-record-per-line JSON output.
fn string_field<'a>(line: &'a str, name: &str) -> &'a str {
    let at = line.find(&format!("\"{name}\":\"")).unwrap() + name.len() + 4;
    line[at..].split('"').next().unwrap()
}

#[test]
fn dist_json_hashes_are_the_arcs_of_the_original_points() {
    for name in ["lastfm8", "tie", "float_trap_zero_points"] {
        // The oracle: the arcs of the original's own points, each owned by the point ending it.
        let points = original_points(name);
        let mut want: BTreeMap<String, u64> = BTreeMap::new();
        let last = u64::from(points.last().unwrap().0);
        for (i, (point, ip)) in points.iter().enumerate() {
            let arc = match i {
                0 => (1u64 << 32) - last + u64::from(*point),
                _ => u64::from(*point) - u64::from(points[i - 1].0),
            };
            *want.entry(ip.clone()).or_insert(0) += arc;
        }
        let run = ketama(
            &["dist", "--json", &fixture(&format!("{name}.servers"))],
            b"",
        );
        let mut got: BTreeMap<String, u64> = BTreeMap::new();
        for line in run.stdout.lines().filter(|l| l.contains("\"hashes\"")) {
            let hashes = field(line, "hashes");
            if hashes > 0 {
                *got.entry(string_field(line, "server").to_string())
                    .or_insert(0) += hashes;
            }
        }
        assert_eq!(got, want, "{name}");
    }
}

/// `map` output as key -> server.
fn mapping(file: &str, keys: &[u8]) -> Vec<String> {
    let run = ketama(&["map", file], keys);
    assert_eq!(run.code, 0);
    run.stdout
        .lines()
        .map(|l| l.split_once('\t').unwrap().1.to_string())
        .collect()
}

#[test]
fn diff_agrees_with_mapping_200k_keys() {
    const KEYS: usize = 200_000;
    let keys: String = (0..KEYS).map(|k| format!("{k}\n")).collect();
    for (old, new) in [
        ("examples/ketama.servers", "examples/ketama-added.servers"),
        (
            "c-tests/fixtures/lastfm8.servers",
            "c-tests/fixtures/lastfm4.servers",
        ),
    ] {
        let run = ketama(&["diff", "--json", old, new], b"");
        assert_eq!(run.code, 0, "{}", run.stderr);
        let mut exact: BTreeMap<(String, String), u64> = BTreeMap::new();
        for line in run.stdout.lines().filter(|l| l.starts_with("{\"from\"")) {
            let pair = (string_field(line, "from"), string_field(line, "to"));
            exact.insert(
                (pair.0.to_string(), pair.1.to_string()),
                field(line, "hashes"),
            );
        }
        let moved_line = run.stdout.lines().last().unwrap();
        let moved = field(moved_line, "hashes");
        assert_eq!(moved, exact.values().sum::<u64>());

        let (before, after) = (mapping(old, keys.as_bytes()), mapping(new, keys.as_bytes()));
        let mut sampled: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (b, a) in before.into_iter().zip(after) {
            if b != a {
                *sampled.entry((b, a)).or_insert(0) += 1;
            }
        }
        // MD5 spreads the keys uniformly, so a count out of KEYS estimates a share p with
        // standard deviation sqrt(p(1-p)/KEYS): 0.09 points of percentage at p = 20%. Allowing
        // 4.5 of them would let a correct program fail on one sample in 150,000; being off by
        // a whole arc, or swapping a pair, shifts shares by far more than that.
        let close = |count: usize, hashes: u64| {
            let p = hashes as f64 / (1u64 << 32) as f64;
            let sigma = (p * (1.0 - p) / KEYS as f64).sqrt().max(1.0 / KEYS as f64);
            ((count as f64 / KEYS as f64) - p).abs() <= 4.5 * sigma
        };
        let total: usize = sampled.values().sum();
        assert!(close(total, moved), "{old} -> {new}: {total} keys moved");
        for (pair, hashes) in &exact {
            let count = sampled.get(pair).copied().unwrap_or(0);
            assert!(
                close(count, *hashes),
                "{pair:?}: {count} keys, {hashes} hashes"
            );
        }
        for pair in sampled.keys() {
            assert!(
                exact.contains_key(pair),
                "{pair:?} moved in the sample only"
            );
        }
    }
}

#[test]
fn diff_after_adding_a_server() {
    let run = ketama(
        &[
            "diff",
            "examples/ketama.servers",
            "examples/ketama-added.servers",
        ],
        b"",
    );
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        "old: examples/ketama.servers: 4 servers, 632 points\n\
         new: examples/ketama-added.servers: 5 servers, 788 points\n\
         added: 10.0.2.5:11211 (weight 1024)\n\
         \n\
         from            to                  keys\n\
         10.0.2.3:11211  10.0.2.5:11211   12.002%\n\
         10.0.2.1:11211  10.0.2.5:11211    4.243%\n\
         10.0.2.2:11211  10.0.2.5:11211    3.403%\n\
         \n\
         moved: 19.648% of the keys (843887066 of 4294967296 hashes)\n\
         ideal: 19.648% (the share of the keys that servers gain: no placement moves less); \
         ketama moves 1.00 times that\n"
    );
    let same = ketama(
        &[
            "diff",
            &fixture("lastfm8.servers"),
            &fixture("lastfm8.servers"),
        ],
        b"",
    );
    assert!(same.stdout.ends_with(
        "moved: 0.000% of the keys (0 of 4294967296 hashes)\n\
         ideal: 0.000% (the share of the keys that servers gain: no placement moves less); \
         no key moves\n"
    ));
}

/// `ideal` is a floor: what the servers that gain keys gain, which every placement moves.
#[test]
fn diff_never_moves_less_than_ideal() {
    let pairs = [
        ("lastfm8.servers", "lastfm4.servers"),
        ("lastfm4.servers", "lastfm8.servers"),
        ("lastfm8.servers", "equal10.servers"),
        ("float_trap_zero_points.servers", "tie.servers"),
        ("big100.servers", "lastfm8.servers"),
    ];
    for (old, new) in pairs {
        let run = ketama(&["diff", "--json", &fixture(old), &fixture(new)], b"");
        let last = run.stdout.lines().last().unwrap();
        let moved = field(last, "hashes");
        let ideal = field(&last[last.find("\"ideal\"").unwrap()..], "hashes");
        assert!(
            ideal > 0 && moved >= ideal,
            "{old} -> {new}: {moved} < {ideal}"
        );
    }
    // Reweighting one server of lastfm8 moves keys between servers that keep their weight.
    let heavier = std::fs::read_to_string(fixture("lastfm8.servers"))
        .unwrap()
        .replacen("\t600", "\t900", 1);
    let file = scratch("lastfm8-heavier", heavier.as_bytes());
    let run = ketama(&["diff", &fixture("lastfm8.servers"), &file], b"");
    let verdict = run.stdout.lines().last().unwrap();
    let ratio: f64 = verdict
        .rsplit("moves ")
        .next()
        .unwrap()
        .trim_end_matches(" times that")
        .parse()
        .unwrap();
    assert!(ratio > 1.0, "{verdict}");
}

#[test]
fn errors_are_one_line_on_stderr() {
    let run = ketama(&["map", "no/such/file", "k"], b"");
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "ketama: cannot open server file no/such/file: No such file or directory\n"
    );
    let run = ketama(&["dist", &fixture("err_zero_weight.servers")], b"");
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "ketama: weight of \"10.0.1.2:11211\" is 0 (line 2 in {})\n",
            fixture("err_zero_weight.servers")
        )
    );
    // A mistake on the command line: one line too, and status 2.
    let run = ketama(&["mop", "x"], b"");
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "ketama: unrecognized subcommand 'mop'; tip: a similar subcommand exists: 'map' \
         (see ketama --help)\n"
    );
    let run = ketama(&["diff", "a"], b"");
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "ketama: the following required arguments were not provided: <NEW> (see ketama --help)\n"
    );
}

#[test]
fn every_subcommand_has_help() {
    for (sub, usage) in [
        ("map", "Usage: ketama map [OPTIONS] <FILE> [KEYS]..."),
        ("points", "Usage: ketama points [OPTIONS] <FILE>"),
        ("check", "Usage: ketama check [OPTIONS] <FILE>"),
        ("dist", "Usage: ketama dist [OPTIONS] <FILE>"),
        ("diff", "Usage: ketama diff [OPTIONS] <OLD> [NEW]"),
    ] {
        let run = ketama(&[sub, "--help"], b"");
        assert_eq!(run.code, 0);
        assert!(run.stdout.contains(usage), "{sub}: {}", run.stdout);
        assert!(run.stdout.contains("--json"), "{sub}");
    }
}

/// The examples of README.md and docs/command.md print what they show.
#[test]
fn documented_examples_are_what_the_command_prints() {
    for (page, examples) in [("README.md", 2), ("docs/command.md", 3)] {
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(page)).unwrap();
        let mut checked = 0;
        for block in text.split("```console\n").skip(1) {
            let block = block.split("```").next().unwrap();
            for example in block.split("$ ketama ").skip(1) {
                let (command, want) = example.split_once('\n').unwrap();
                let args: Vec<&str> = command.split_whitespace().collect();
                assert_eq!(ketama(&args, b"").stdout, want, "{page}: ketama {command}");
                checked += 1;
            }
        }
        assert_eq!(checked, examples, "{page}");
    }
}

/// `FILE` is `-` or a pipe (/dev/stdin is one here): the same bytes give the same answers as
/// from a file, under every command.
#[test]
fn server_files_from_standard_input_and_pipes() {
    for name in rolling_fixtures().into_iter().chain([
        "long_comment_line".to_string(),
        "err_zero_weight".to_string(),
    ]) {
        let file = fixture(&format!("{name}.servers"));
        let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(&file)).unwrap();
        for args in [
            vec!["points"],
            vec!["check"],
            vec!["dist", "--json"],
            vec!["map", "x", "y"],
        ] {
            let from_file = ketama(&[&args[..1], &[file.as_str()], &args[1..]].concat(), b"");
            for source in ["-", "/dev/stdin"] {
                let piped = ketama(&[&args[..1], &[source], &args[1..]].concat(), &bytes);
                let shown = if source == "-" {
                    "(standard input)"
                } else {
                    source
                };
                assert_eq!(
                    (piped.code, piped.stdout, piped.stderr),
                    (
                        from_file.code,
                        from_file.stdout.replace(&file, shown),
                        from_file.stderr.replace(&file, shown)
                    ),
                    "{name}: {args:?} from {source}"
                );
            }
        }
    }
    let old = fixture("lastfm8.servers");
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(&old)).unwrap();
    let run = ketama(&["diff", &old, "-"], &bytes);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("no key moves"), "{}", run.stdout);
    // Standard input is read once.
    let run = ketama(&["diff", "-", "-"], b"");
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            1,
            "ketama: standard input can be read once: give OLD or NEW as -, not both\n"
        )
    );
    let run = ketama(&["map", "-"], &bytes);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("cannot both come from standard input"));
}

/// `--rules memory` reads a list as create_ketama takes it: long names are whole addresses.
#[test]
fn server_lists_under_the_in_memory_rules() {
    let list = b"cache-a.example.com:11211 100\ncache-b.example.com:11211 100\n";
    let file = scratch("long-names", list);
    let run = ketama(&["check", &file], b"");
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("address \"cache-a.example.com:11211\" is 25 bytes long"),
        "{}",
        run.stdout
    );
    let run = ketama(&["check", "--rules", "memory", &file], b"");
    assert_eq!(
        (run.code, run.stdout),
        (
            0,
            format!(
                "{file}: read as a server list (create_ketama's rules): 2 servers, 320 points; \
                 no problems\n"
            )
        )
    );
    let json = ketama(&["check", "--json", "--rules", "memory", &file], b"").stdout;
    assert!(json.contains("\"rules\":\"memory\""), "{json}");
    // The whole address is hashed: the points are those of the addresses' digests.
    let run = ketama(&["--rules", "memory", "points", "--json", &file], b"");
    assert_eq!(run.code, 0);
    let first = run.stdout.lines().nth(1).unwrap();
    assert!(
        first.contains("\"ip\":\"cache-a.example.com:11\"")
            || first.contains("\"ip\":\"cache-b.example.com:11\"")
    );
    let map = ketama(&["map", "--rules", "memory", &file, "user:1234"], b"");
    assert!(
        map.stdout.starts_with("user:1234\tcache-"),
        "{}",
        map.stdout
    );
    // The weight is read as written: "600" at the end of a list without newline is 600.
    let run = ketama(&["dist", "--json", "--rules", "memory", "-"], b"a:1 600");
    assert!(run.stdout.contains("\"weight\":600,"), "{}", run.stdout);
    let run = ketama(&["dist", "--rules", "memory", "-"], b"a:1 60 0 x\n");
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            1,
            "ketama: \"x\" after the name (a line is ADDRESS WEIGHT [NAME]; a comment starts \
             with \"#\") (line 1 in (standard input))\n"
        )
    );
}

/// With 10,000 servers a share is about 0.01%: `dist` prints three significant digits of it.
#[test]
fn dist_shows_small_shares_to_three_significant_digits() {
    let list: String = (0..10_000)
        .map(|i| {
            format!(
                "10.{}.{}.{}:11211 {}\n",
                i / 65536,
                i / 256 % 256,
                i % 256,
                100 + i % 7
            )
        })
        .collect();
    let file = scratch("ten-thousand", list.as_bytes());
    let json = ketama(&["dist", "--json", &file], b"").stdout;
    let exact: BTreeMap<String, f64> = json
        .lines()
        .filter(|l| l.starts_with("{\"server\""))
        .map(|l| {
            let at = l.find("\"ring_share\":").unwrap() + 13;
            let share: f64 = l[at..].split(',').next().unwrap().parse().unwrap();
            (string_field(l, "server").to_string(), share * 100.0)
        })
        .collect();
    let text = ketama(&["dist", &file], b"").stdout;
    let mut rows = 0;
    for line in text.lines().skip(1).filter(|l| l.starts_with("10.")) {
        let cells: Vec<&str> = line.split_whitespace().collect();
        let printed: f64 = cells[4].trim_end_matches('%').parse().unwrap();
        let want = exact[cells[0]];
        assert!(
            (printed - want).abs() <= want * 0.005,
            "{line}: keys {printed}% for {want}%"
        );
        rows += 1;
    }
    assert_eq!(rows, 10_000);
}
