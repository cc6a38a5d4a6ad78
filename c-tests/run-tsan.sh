#!/usr/bin/env bash
# The stress test and the fork test under ThreadSanitizer: the library built with
# -Zsanitizer=thread (stable rustc with RUSTC_BOOTSTRAP, as no nightly toolchain is
# available), the tests with -fsanitize=thread, linked to rustc's own TSan runtime (GCC 12's
# lacks the entry points current LLVM emits). c-tests/tsan.supp lists and explains the
# suppressed reports. Closes with "N passed, N failed" (the tests' totals).
#
# Usage: c-tests/run-tsan.sh [SECONDS]   (how long the stress test runs)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
target=x86_64-unknown-linux-gnu
RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zsanitizer=thread -Cunsafe-allow-abi-mismatch=sanitizer" \
    cargo build --release --locked --lib --target "$target" --target-dir target/tsan
runtime=$(rustc --print target-libdir)/librustc-stable_rt.tsan.a
mkdir -p target/c-tests
for t in stress test_fork; do
    ${CC:-cc} -std=gnu11 -O1 -g -fsanitize=thread -Wall -Wextra -Werror -Iinclude \
        -c -o "target/c-tests/$t-tsan.o" "c-tests/$t.c"
    ${CC:-cc} -o "target/c-tests/$t-tsan" "target/c-tests/$t-tsan.o" \
        "target/tsan/$target/release/libketama.a" \
        -Wl,--whole-archive "$runtime" -Wl,--no-whole-archive -lpthread -ldl -lm -lrt
done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$PWD/c-tests/tsan.supp"
passed=0
failed=0
# Runs a test, adds its closing line to the totals; a test that fails or dies stops the run.
tsan() {
    "$@" | tee "$scratch/out"
    local last
    last=$(tail -n 1 "$scratch/out")
    [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]] || exit 1
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
}
tsan target/c-tests/stress-tsan "$scratch" "$seconds"
# Children forked while two threads roll and look up (c-tests/test_fork.c), 300 a file.
tsan target/c-tests/test_fork-tsan "$scratch"
echo "$passed passed, $failed failed"
