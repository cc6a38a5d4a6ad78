# --- Python: the ketama package (python/, PyO3 + maturin; README.md, "Python") ---
#   make python          the abi3 wheel (CPython 3.10+) into target/wheels/; needs maturin
#                        (SIMD=no: without the SIMD MD5, for Rust 1.85)
#   make python-test     the wheel installed into target/python-env/site, and its pytest suite
#                        run there with the active Python (part of make test; skipped, saying
#                        so, without python3, maturin or pytest; its mixed-fleet tests each
#                        skip, naming the Debian package, without memcached, spymemcached and
#                        a JDK, dalli, nutcracker)
#   make python-bench    bench/python_bench.py: ns/key beside uhashring, and of each flavor
#                        (PY_BENCH_ARGS="REPS KEYS")

MATURIN ?= maturin
PY_WHEELS := target/wheels

PY_BENCH_ARGS ?= 5 200000
# SIMD=no: the wheel without the SIMD MD5 (its feature simd, the only default one).
PY_FEATURES := $(if $(filter no,$(SIMD)),--no-default-features)

.PHONY: python python-test python-bench

python:
	rm -f $(PY_WHEELS)/ketama-*.whl
	$(MATURIN) build --release --locked $(PY_FEATURES) -m python/Cargo.toml \
	    --target-dir target/python -o $(PY_WHEELS)

test: python-test
python-test: lib
	MAKE="$(MAKE)" MATURIN="$(MATURIN)" bash python/test.sh

python-bench:
	MAKE="$(MAKE)" MATURIN="$(MATURIN)" bash python/test.sh bench $(PY_BENCH_ARGS)
