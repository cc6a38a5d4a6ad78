#!/usr/bin/env bash
# The stress test under ThreadSanitizer: the library built with -Zsanitizer=thread (stable
# rustc with RUSTC_BOOTSTRAP, as no nightly toolchain is available), the test with
# -fsanitize=thread, linked to rustc's own TSan runtime (GCC 12's lacks the entry points
# current LLVM emits). c-tests/tsan.supp lists and explains the suppressed reports.
# Closes with "N passed, N failed".
#
# Usage: c-tests/run-tsan.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
target=x86_64-unknown-linux-gnu
RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zsanitizer=thread -Cunsafe-allow-abi-mismatch=sanitizer" \
    cargo build --release --locked --lib --target "$target" --target-dir target/tsan
runtime=$(rustc --print target-libdir)/librustc-stable_rt.tsan.a
mkdir -p target/c-tests
${CC:-cc} -std=gnu11 -O1 -g -fsanitize=thread -Wall -Wextra -Werror -Iinclude \
    -c -o target/c-tests/stress-tsan.o c-tests/stress.c
${CC:-cc} -o target/c-tests/stress-tsan target/c-tests/stress-tsan.o \
    "target/tsan/$target/release/libketama.a" \
    -Wl,--whole-archive "$runtime" -Wl,--no-whole-archive -lpthread -ldl -lm -lrt
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$PWD/c-tests/tsan.supp" \
    target/c-tests/stress-tsan "$scratch" "$seconds"
