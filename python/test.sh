#!/usr/bin/env bash
# The Python package's tests (make python-test, part of make test): builds the wheel (make
# python), installs it into a venv in target/python-env/ that sees the system's pytest and
# pymemcache, and runs python/tests there, against the C library in target/lib (make lib).
# Skipped, saying so, when python3, maturin or pytest is missing. With `bench`, runs
# bench/python_bench.py there instead (make python-bench; it needs uhashring too).
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
    echo "python: skipped, missing ${missing[*]} (pip install maturin pytest pymemcache uhashring)"
    exit 0
fi

"${MAKE:-make}" --no-print-directory python
wheel=$(ls target/wheels/ketama-*-abi3-*.whl)
venv=target/python-env/venv
[ -x "$venv/bin/python" ] || "$python" -m venv --system-site-packages "$venv"
"$venv/bin/python" -m pip install -q --no-index --no-deps --force-reinstall "$wheel"
if [ "${1:-}" = bench ]; then
    shift
    exec "$venv/bin/python" bench/python_bench.py "$@"
fi

# From a directory without python/ketama/ (the source tree's copy lacks the extension), with
# no bytecode written into the source tree, and bounded: the tests bound their own waits, this
# is the backstop.
mkdir -p target/python-env && cd target/python-env
KETAMA_WHEEL="$root/$wheel" PYTHON_FOR_VENV="$python" PYTHONDONTWRITEBYTECODE=1 \
    timeout --kill-after=10 300 "$root/$venv/bin/python" -m pytest -p no:cacheprovider "$root/python/tests"
