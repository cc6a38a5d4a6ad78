# shellcheck shell=bash
# Shared by install-test.sh, php/out-of-tree-test.sh and, through deb-common.sh, the deb
# tests (sourced from the repository's root): counters, checks, the pkg-config client, and
# the documented recipes.

cc=${CC:-cc}
passed=0
failed=0
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
bin=$scratch/bin
mkdir -p "$bin"

ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# check DESCRIPTION COMMAND...: runs COMMAND, output shown only when it fails.
check() {
    local what=$1 out
    shift
    if out=$("$@" 2>&1); then ok; else fail "$what"; printf '%s\n' "$out"; fi
}

# What pkg_client.c prints when built against this version.
client_expected() {
    echo "$version $version"
    grep '^user:1234 ' c-tests/example_api.expected
}

# build_client NAME LINK... : compiles c-tests/pkg_client.c into $bin/NAME with the
# flags given (pkg-config's output); a compiler error fails the check.
build_client() {
    local name=$1
    shift
    # shellcheck disable=SC2068 # pkg-config's output is meant to be split into words.
    check "$name: pkg_client.c does not build with: $*" \
        "$cc" -std=gnu11 -Wall -Wextra -Werror -o "$bin/$name" c-tests/pkg_client.c $@
}

# run_client NAME [LD_LIBRARY_PATH]: runs the client and compares its output; with a
# library directory, also checks that libketama.so.1 was loaded from there.
run_client() {
    local name=$1 libdir=${2-} out
    if out=$(env -u LD_LIBRARY_PATH ${libdir:+LD_LIBRARY_PATH=$libdir} "$bin/$name" 2>&1) &&
        [ "$out" = "$(client_expected)" ]; then ok
    else fail "$name printed: $out"; fi
    if [ -n "$libdir" ]; then
        if LD_LIBRARY_PATH=$libdir ldd "$bin/$name" |
            grep -q "libketama\.so\.1 => $libdir/libketama\.so\.1 "; then ok
        else fail "$name does not load $libdir/libketama.so.1"; fi
    elif readelf -d "$bin/$name" | grep -q 'NEEDED.*libketama'; then
        fail "$name, linked statically, still needs libketama.so"
    else ok; fi
}

# pkg-config --static output with the library itself named by file: the linker would take
# libketama.so over libketama.a from the same directory.
static_libs() { sed 's/-lketama\b/-l:libketama.a/'; }

# doc_block FILE TEXT: the first ```sh block of FILE that contains TEXT: a documented recipe,
# which a test runs as it is written.
doc_block() {
    awk -v want="$2" '/^```sh$/ { inside = 1; block = ""; next }
        inside && /^```$/ { inside = 0; if (index(block, want)) { printf "%s", block; exit } }
        inside { block = block $0 "\n" }' "$1"
}

summary() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
