//! `ruby_sort::sort_by_point` against the real Ruby's `sort_by`, where Ruby 3.3 or later is
//! installed (Debian 13's, in `make test-trixie`): inputs full of equal keys, of every size
//! up to 5,000, each sorted by both, the order of the entries compared exactly. Ruby older
//! than 3.3 sorts with a stable `qsort_r` instead; there the test says it is skipped.

use ketama::ruby_sort::sort_by_point;
use std::io::Write;
use std::process::{Command, Stdio};

/// Reads "KEY INDEX" lines, sorts them by KEY with `sort_by` (Integer keys: Ruby's own
/// introsort), prints the INDEXes in the order it leaves them, a line for each input.
const RUBY: &str = r#"
inputs = STDIN.read.split("\n\n")
puts inputs.map { |input|
  input.lines.map { |l| l.split.map(&:to_i) }.sort_by { |key, _| key }.map(&:last).join(" ")
}
"#;

fn ruby_at_least_3_3() -> bool {
    let check = "exit(Gem::Version.new(RUBY_VERSION) >= Gem::Version.new('3.3') ? 0 : 1)";
    Command::new("ruby")
        .args(["-e", check])
        .status()
        .is_ok_and(|s| s.success())
}

/// Keys for entry `i` of `n`, in shapes that take the sort down each of its paths: few
/// distinct values (long runs of ties), already sorted but for one entry, descending, organ
/// pipes, and spread values with some ties.
fn inputs() -> Vec<Vec<u64>> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut all = Vec::new();
    for n in [2usize, 3, 16, 17, 18, 33, 100, 161, 1000, 5000] {
        for distinct in [1u64, 2, 3, 7, 50, 1 << 32] {
            all.push((0..n).map(|_| next() % distinct).collect());
        }
        let mut nearly: Vec<u64> = (0..n as u64).map(|i| i / 3).collect();
        nearly[n / 2] = 0;
        all.push(nearly);
        all.push((0..n as u64).rev().map(|i| i / 4).collect());
        all.push((0..n as u64).map(|i| i.min(n as u64 - i) / 2).collect());
    }
    all
}

#[test]
fn equal_keys_end_where_ruby_leaves_them() {
    if !ruby_at_least_3_3() {
        println!("skipped: needs Ruby 3.3 or later (Debian 13: apt-get install ruby)");
        return;
    }
    let inputs = inputs();
    let text: Vec<String> = inputs
        .iter()
        .map(|keys| {
            let lines: Vec<String> = keys
                .iter()
                .enumerate()
                .map(|(i, k)| format!("{k} {i}\n"))
                .collect();
            lines.concat()
        })
        .collect();
    let mut ruby = Command::new("ruby")
        .args(["-e", RUBY])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("ruby runs");
    let mut stdin = ruby.stdin.take().expect("a pipe");
    let body = text.join("\n");
    let writer = std::thread::spawn(move || stdin.write_all(body.as_bytes()));
    let out = ruby.wait_with_output().expect("ruby ends");
    writer
        .join()
        .expect("the writer ends")
        .expect("ruby reads its input");
    assert!(out.status.success(), "ruby failed");
    let theirs: Vec<&str> = std::str::from_utf8(&out.stdout)
        .expect("text")
        .lines()
        .collect();
    assert_eq!(theirs.len(), inputs.len());
    for (keys, theirs) in inputs.iter().zip(theirs) {
        let mut entries: Vec<u64> = keys
            .iter()
            .enumerate()
            .map(|(i, &k)| k << 32 | i as u64)
            .collect();
        sort_by_point(&mut entries);
        let ours: Vec<String> = entries
            .iter()
            .map(|e| (e & 0xffff_ffff).to_string())
            .collect();
        assert_eq!(ours.join(" "), theirs, "{} keys", keys.len());
    }
}
