#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each) from the checked-in seed
# corpus; new inputs go to a scratch corpus, so the checked-in one stays small. A finding is
# left in fuzz/artifacts/TARGET/ and fails the run: turn it into a regression test.
#
# Usage: fuzz/run.sh [SECONDS]   (needs cargo-fuzz: cargo install cargo-fuzz --locked)
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The stable toolchain has no sanitizer support; the library's unsafe code is checked by the
# C suites under AddressSanitizer and valgrind instead.
cargo fuzz build --sanitizer none
for target in server_file server_array lookup; do
    mkdir -p "$scratch/$target"
    cargo fuzz run --sanitizer none "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$scratch/$target.log" 2>&1 || {
        tail -n 60 "$scratch/$target.log"
        echo "fuzz $target: FAILED (input in fuzz/artifacts/$target/)"
        exit 1
    }
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$target.log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$scratch/$target.log")
    echo "fuzz $target: $runs runs in ${seconds} s ($rate exec/s), no finding"
done
