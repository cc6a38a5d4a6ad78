#!/usr/bin/env bash
# docs/php.md's out-of-tree build against a staged install, run as the page writes it (its
# paths under /tmp moved into a scratch directory): `make install DESTDIR=`, phpize,
# configure with the stage's ketama.pc and PHP_RPATH=no, make, and quick.php with the module.
# Checks that the module prints what C prints, links libketama.so.1 and carries no run path
# to the stage. Part of make php-test. Closes with "N passed, N failed".
#
# Usage: php/out-of-tree-test.sh   (after make)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=c-tests/pkg-common.sh
source c-tests/pkg-common.sh
recipe=$(doc_block docs/php.md 'DESTDIR=/tmp/stage')
stage=$scratch/stage
module=$scratch/php/modules/ketama.so
check "docs/php.md has no recipe for a staged install" test -n "$recipe"
recipe=${recipe//\/tmp\/stage/$stage}
recipe=${recipe//\/tmp\/ketama-php/$scratch/php}
if out=$(bash -euo pipefail -c "$recipe" 2>&1); then ok; else fail "the recipe failed:"; printf '%s\n' "$out"; fi
check "the module built against the stage prints: $(tail -n 3 <<<"$out")" \
    diff <(tail -n 3 <<<"$out") c-tests/example_api.expected
dynamic=$(readelf -d "$module" 2>&1)
check "the module carries a run path: $(grep -E 'RPATH|RUNPATH' <<<"$dynamic")" \
    bash -c "! grep -qE 'RPATH|RUNPATH' <<<\"\$1\"" _ "$dynamic"
check "the module does not need libketama.so.1" grep -q 'NEEDED.*\[libketama\.so\.1\]' <<<"$dynamic"
summary
