#!/usr/bin/env bash
# The Python package's tests (make python-test, part of make test) with the active Python
# (python3 on PATH: an activated venv's, where there is one; or PYTHON) and the pytest,
# pymemcache and uhashring installed there: builds the wheel (make python), installs it with
# that Python's pip into target/python-env/site (pip --target, so that the environment itself
# is not changed), and runs python/tests with that directory first on PYTHONPATH, against the
# C library in target/lib (make lib). Skipped, saying so, when python3, maturin or pytest is
# missing. With `bench`, runs bench/python_bench.py instead (make python-bench; it needs
# uhashring too).
#
# Usage: python/test.sh [bench [REPS KEYS]]   (PYTHON, MATURIN and MAKE may name other commands)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
python=${PYTHON:-python3}
missing=()
command -v "$python" >/dev/null || missing+=("$python")
command -v "${MATURIN:-maturin}" >/dev/null || missing+=(maturin)
"$python" -c 'import pytest' 2>/dev/null || missing+=(pytest)
if [ ${#missing[@]} -gt 0 ]; then
    echo "python: skipped, missing ${missing[*]} for $(command -v "$python" || echo "$python")" \
        "(make deps installs them into the active Python)"
    exit 0
fi

"${MAKE:-make}" --no-print-directory python
wheel=$(ls target/wheels/ketama-*-abi3-*.whl)
site=$root/target/python-env/site
rm -rf "$site"
PIP_ROOT_USER_ACTION=ignore "$python" -m pip install -q --no-index --no-deps --target "$site" "$wheel"
export PYTHONPATH=$site${PYTHONPATH:+:$PYTHONPATH}
if [ "${1:-}" = bench ]; then
    shift
    exec "$python" bench/python_bench.py "$@"
fi

# From a directory without python/ketama/ (the source tree's copy lacks the extension), with
# no bytecode written into the source tree, and bounded: the tests bound their own waits, this
# is the backstop.
cd target/python-env
KETAMA_WHEEL="$root/$wheel" PYTHONDONTWRITEBYTECODE=1 \
    timeout --kill-after=10 300 "$python" -m pytest -p no:cacheprovider "$root/python/tests"
