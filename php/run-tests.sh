#!/usr/bin/env bash
# The PHP extension's phpt suite, run by PHP's own run-tests.php (the copy phpize put in BUILD)
# against the extension `make php` built in BUILD; the C library's answers come from
# BUILD/oracle, built against the same libketama.
#
#   bash php/run-tests.sh BUILD [valgrind] [TEST.phpt...]
#
# "valgrind" runs each test's PHP under valgrind memcheck with USE_ZEND_ALLOC=0 (run-tests.php
# -m), definite leaks counting as errors; the programs a test starts (oracle, memcached,
# php-fpm) are not traced. PHP_CONFIG names the PHP (default php-config). The last line is
# `LABEL: N passed, N failed, N skipped`; the exit status is non-zero on any failure or leak.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
shift
php_config=${PHP_CONFIG:-php-config}
label=php
extra=()
if [ "${1:-}" = valgrind ]; then
    label="php under valgrind"
    # PCRE's JIT code confuses memcheck (reads past strings in 16-byte steps, by design).
    extra=(-m -d pcre.jit=0)
    export VALGRIND_OPTS="--leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --trace-children-skip=* --suppressions=$root/php/tests/valgrind.supp"
    shift
fi
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=("$build/tests")

php=$("$php_config" --php-binary)
# php-fpm of the same PHP, for the fpm test (which says it is missing, if it is): Debian
# names it php-fpm8.2 (the program suffix).
suffix=$("$php_config" --configure-options | sed -n 's/.*--program-suffix=\([^ ]*\).*/\1/p')
export KETAMA_PHP_FPM=$("$php_config" --prefix)/sbin/php-fpm$suffix
export KETAMA_ROOT=$root KETAMA_ORACLE=$build/oracle KETAMA_EXT=$build/modules/ketama.so
export NO_INTERACTION=1 TEST_PHP_EXECUTABLE=$php

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
"$php" -n "$build/run-tests.php" -q -n -d "extension=$KETAMA_EXT" --show-diff -j2 "${extra[@]}" \
    "${tests[@]}" 2>&1 | tee "$log" || status=$?
# run-tests.php's summary: "Tests passed    :    9 (100.0%) ...", a line only when counted.
count() {
    local n
    n=$(sed -n "s/^Tests $1 *: *\([0-9]*\).*/\1/p" "$log" | head -1)
    echo "${n:-0}"
}
failed=$(( $(count failed) + $(count leaked) + $(count borked) ))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$label: $(count passed) passed, $failed failed, $(count skipped) skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
