#!/usr/bin/env bash
# Builds the C tests against include/ketama.h and the built library in LIBDIR, runs them
# (again under valgrind when it is installed), checks the soname and that no SysV IPC
# object was left behind. Closes with "N passed, N failed".
#
# Usage: c-tests/run.sh LIBDIR
set -u
cd "$(dirname "$0")/.."
lib=$(cd "$1" && pwd)
cc=${CC:-cc}
bin=target/c-tests
mkdir -p "$bin"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# Adds the closing "N passed, N failed" of a test program's output to the totals.
tally() {
    local last
    last=$(tail -n 1 "$1")
    if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        passed=$((passed + BASH_REMATCH[1]))
        failed=$((failed + BASH_REMATCH[2]))
    else
        fail "$2 did not finish (last line: $last)"
    fi
}

# Runs a test program; a non-zero exit without failed checks (a crash, a valgrind error)
# counts as a failure too.
run() {
    local name=$1 out="$scratch/$1.out" status
    shift
    LD_LIBRARY_PATH="$lib" "$@" >"$out" 2>&1
    status=$?
    grep -v '^[0-9]* passed, [0-9]* failed$' "$out"
    tally "$out" "$name"
    if [ "$status" -ne 0 ] && ! grep -q '^FAIL' "$out"; then
        fail "$name exited with status $status"
    fi
}

ipc_before=$(ipcs -m -s 2>/dev/null)

cflags=(-std=gnu11 -O2 -g -Wall -Wextra -Werror)
for t in test_ketama test_api stress example_api example_roll test_hostile; do
    if $cc "${cflags[@]}" -Iinclude -o "$bin/$t" "c-tests/$t.c" -L"$lib" -lketama -lpthread -lm
    then ok; else fail "$t.c does not compile"; fi
done
# Sources written for the original build unchanged, through the top-level ketama.h.
if $cc "${cflags[@]}" -I. -o "$bin/compat_original" c-tests/compat_original.c \
    -L"$lib" -lketama; then ok; else fail "compat_original.c does not compile"; fi

# The header as C89 (as the original's compiled) and as C++98, each program linked and run.
if $cc -std=c89 -pedantic-errors -Wall -Wextra -Werror -Iinclude -o "$bin/header_c89" \
    c-tests/header_c89.c -L"$lib" -lketama; then ok
else fail "ketama.h does not compile with -std=c89 -pedantic-errors"; fi
if ${CXX:-c++} -std=c++98 -pedantic-errors -Wall -Wextra -Werror -x c++ -Iinclude \
    -o "$bin/header_cxx" c-tests/header_c89.c -L"$lib" -lketama; then ok
else fail "ketama.h does not compile and link as C++98"; fi

if readelf -d "$lib/libketama.so.1" | grep -q 'SONAME.*\[libketama\.so\.1\]'; then ok
else fail "libketama.so.1 lacks the soname libketama.so.1"; fi

run compat_original "$bin/compat_original" c-tests/fixtures/lastfm8.servers
run header_c89 "$bin/header_c89" c-tests/fixtures/lastfm8.servers
run header_cxx "$bin/header_cxx" c-tests/fixtures/lastfm8.servers
run test_ketama "$bin/test_ketama" c-tests/fixtures "$scratch"
run test_api "$bin/test_api" c-tests/fixtures
run stress "$bin/stress" "$scratch" 2
run test_hostile "$bin/test_hostile" "$scratch"

# The documented examples print what the pages show, and the pages show them as they are:
# the first (README.md, docs/c-api.md) reads examples/ketama.servers from the tree's root;
# the in-memory API's (docs/c-api.md).
for ex in example_roll example_api; do
    if diff -u "c-tests/$ex.expected" <(LD_LIBRARY_PATH="$lib" "$bin/$ex"); then ok
    else fail "$ex output differs from c-tests/$ex.expected"; fi
done
# shows PAGE FILE LANG: PAGE holds FILE as a fenced block of LANG (empty: plain text).
shows() {
    if [[ $(<"$1") == *$'```'"$3"$'\n'"$(<"$2")"$'\n```'* ]]; then ok
    else fail "$1 does not show $2 as it is"; fi
}
for page in README.md docs/c-api.md; do
    shows "$page" c-tests/example_roll.c c
    shows "$page" c-tests/example_roll.expected ""
done
shows docs/c-api.md c-tests/example_api.c c
shows docs/c-api.md c-tests/example_api.expected ""

# The C suites built with AddressSanitizer and UBSan against the same library. LeakSanitizer
# (on by default) sees the library's allocations too: Rust allocates through the malloc ASan
# intercepts. Under ASan and valgrind RSS means nothing, so KETAMA_NO_RSS keeps
# test_hostile's cycles but skips judging their memory. GCC's range analysis loses track
# under the instrumentation and sees a truncation in test_ketama.c that cannot happen, hence
# -Wno-format-truncation.
asan=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
    -Wno-format-truncation)
asan_env=(env ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 KETAMA_NO_RSS=1)
for t in test_ketama test_api stress test_hostile; do
    if $cc "${cflags[@]}" "${asan[@]}" -Iinclude -o "$bin/$t-asan" "c-tests/$t.c" \
        -L"$lib" -lketama -lpthread -lm
    then ok; else fail "$t.c does not compile with AddressSanitizer"; fi
done
echo "AddressSanitizer: running the C suites"
run asan-test_ketama "${asan_env[@]}" "$bin/test_ketama-asan" c-tests/fixtures "$scratch"
run asan-test_api "${asan_env[@]}" "$bin/test_api-asan" c-tests/fixtures 20000
run asan-stress "${asan_env[@]}" "$bin/stress-asan" "$scratch" 1
run asan-test_hostile "${asan_env[@]}" "$bin/test_hostile-asan" "$scratch"

if command -v valgrind >/dev/null; then
    echo "valgrind: running the C suites under memcheck"
    memcheck=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
        --show-leak-kinds=definite --log-file="$scratch/valgrind.log")
    run valgrind-test_ketama "${memcheck[@]}" "$bin/test_ketama" c-tests/fixtures "$scratch"
    cat "$scratch/valgrind.log"
    run valgrind-test_api "${memcheck[@]}" "$bin/test_api" c-tests/fixtures 20000
    cat "$scratch/valgrind.log"
    run valgrind-stress "${memcheck[@]}" "$bin/stress" "$scratch" 1
    cat "$scratch/valgrind.log"
    run valgrind-test_hostile env KETAMA_NO_RSS=1 "${memcheck[@]}" "$bin/test_hostile" "$scratch"
    cat "$scratch/valgrind.log"
else
    echo "valgrind not installed: memcheck run skipped (Debian: valgrind; make deps installs it)"
fi

# Fork safety: 300 children forked while two threads of the parent roll and look up, each
# using every function at once under a 5-second alarm (c-tests/test_fork.c). Again under
# valgrind, with 20 children and a 30-second alarm (it is slow), to check the children's
# memory accesses, but without its leak check: whatever a thread of the parent was holding at
# the fork is unreachable in the child, where that thread does not exist. Not under ASan:
# GCC 12's libasan does not hold its allocator's locks across fork, so a child can hang in
# its malloc whatever the library does. valgrind runs one thread at a time; with its default
# scheduler the two busy threads can keep the forking thread from running again for minutes
# once it returns from waitpid, hence --fair-sched=yes (a ticket lock: each runs in turn).
if $cc "${cflags[@]}" -Iinclude -o "$bin/test_fork" c-tests/test_fork.c -L"$lib" -lketama \
    -lpthread; then ok; else fail "test_fork.c does not compile"; fi
run test_fork "$bin/test_fork" "$scratch"
if command -v valgrind >/dev/null; then
    run valgrind-test_fork valgrind -q --fair-sched=yes --error-exitcode=99 --leak-check=no \
        "$bin/test_fork" "$scratch" 20 30
fi

# make install/uninstall, pkg-config (shared and static), exported symbols, ketama(3).
run install-test bash c-tests/install-test.sh

if [ "$(ipcs -m -s 2>/dev/null)" = "$ipc_before" ]; then ok
else fail "SysV shared memory or semaphores changed during the tests"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
