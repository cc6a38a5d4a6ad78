#!/usr/bin/env bash
# The installed library, as a packager and a client see it: `make install` into temporary
# DESTDIRs (the default layout, then a multiarch one as Debian uses) lays out exactly the
# expected files and symlinks; clients build with nothing but pkg-config's flags, linked
# shared and static, and run; `make uninstall` leaves no file behind; docs/packaging.md's
# recipe for building against a staged install works as it is written. Also checks that the
# built library exports exactly libketama.symbols.txt, which is exactly the header's
# functions, each in ketama(3), and that the version of Cargo.toml reaches the file names,
# the .pc file, the header and debian/changelog. Closes with "N passed, N failed".
#
# Usage: c-tests/install-test.sh   (after `make`; runs `make install` and `make uninstall`)
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=c-tests/pkg-common.sh
source c-tests/pkg-common.sh
make=${MAKE:-make}
major=${version%%.*}
mapfile -t symbols <libketama.symbols.txt

# --- The exported symbols: the list, the library, the header and the manual page ---
check "libketama.so.1 exports other symbols than libketama.symbols.txt" \
    diff <(nm -D --defined-only target/lib/libketama.so.1 | awk '{print $NF}' | sort) \
    <(sort libketama.symbols.txt)
check "include/ketama.h declares other functions than libketama.symbols.txt" \
    diff <(grep -E '^[^ /#].*\);$' include/ketama.h | grep -v '^typedef' |
        sed -E 's/^[^(]*[ *]([a-z_0-9]+)\(.*/\1/' | sort) <(sort libketama.symbols.txt)
name_section=$(sed -n '/^\.SH NAME/,/^\.SH/p' man/ketama.3)
synopsis=$(sed -n '/^\.SH SYNOPSIS/,/^\.SH/p' man/ketama.3)
for f in "${symbols[@]}"; do
    if grep -qw -- "$f" <<<"$name_section" && grep -q "[ *]$f(" <<<"$synopsis"; then ok
    else fail "ketama(3) lacks $f in NAME or SYNOPSIS"; fi
done
if command -v groff >/dev/null; then
    check "ketama(3) or ketama(1) has groff warnings" \
        bash -c '! groff -man -ww -z man/ketama.3 man/ketama.1 2>&1 | grep .'
else
    fail "groff is not installed: ketama(3) not checked (Debian: groff-base; make deps installs it)"
fi
# The two pages point at each other, and at nothing a package does not install.
check "ketama(3) does not refer to ketama(1)" grep -q '^\.BR ketama (1)' man/ketama.3
check "ketama(1) does not refer to ketama(3)" grep -q '^\.BR ketama (3)' man/ketama.1
check "ketama(1) refers to a README, which no package installs" \
    bash -c '! grep -qi readme man/ketama.1'

# --- One version, from Cargo.toml ---
check "debian/changelog's version is not $version-N" \
    grep -q "^libketama ($version-" <<<"$(head -n 1 debian/changelog)"

# layout DESTDIR PREFIX LIBDIR INCLUDEDIR MANDIR: checks the installed files and symlinks.
layout() {
    local d=$1 bindir=$2/bin libdir=$3 incdir=$4 mandir=$5 want f
    want=$(
        printf '%s\n' "$libdir/libketama.so.$version" "$libdir/libketama.so.$major" \
            "$libdir/libketama.so" "$libdir/libketama.a" "$libdir/pkgconfig/ketama.pc" \
            "$incdir/ketama.h" "$mandir/man3/ketama.3" "$bindir/ketama" "$mandir/man1/ketama.1"
        for f in "${symbols[@]}"; do echo "$mandir/man3/$f.3"; done
    )
    check "install into $d: other files than expected" \
        diff <(sort <<<"$want") <(cd "$d" && find . ! -type d | sed 's/^\.//' | sort)
    check "libketama.so.$version is not a regular file" \
        test -f "$d$libdir/libketama.so.$version" -a ! -L "$d$libdir/libketama.so.$version"
    check "libketama.so.$major does not link to libketama.so.$version" \
        test "$(readlink "$d$libdir/libketama.so.$major")" = "libketama.so.$version"
    check "libketama.so does not link to libketama.so.$major" \
        test "$(readlink "$d$libdir/libketama.so")" = "libketama.so.$major"
    check "the installed library lacks the soname libketama.so.$major" \
        grep -q "SONAME.*\[libketama\.so\.$major\]" <<<"$(readelf -d "$d$libdir/libketama.so.$version")"
    check "the installed ketama.h differs" cmp include/ketama.h "$d$incdir/ketama.h"
    check "the installed libketama.a carries LLVM bitcode" \
        bash -c "! objdump -h '$d$libdir/libketama.a' | grep -q '\.llvmbc '"
    for f in "${symbols[@]}"; do
        check "$f(3) is not a link to ketama(3)" \
            test "$(cat "$d$mandir/man3/$f.3")" = ".so man3/ketama.3"
    done
    check "files installed with other modes than 644" \
        bash -c "! find '$d' -type f ! -perm 644 ! -path '$d$bindir/ketama' | grep ."
    check "the ketama command is not installed executable (755)" \
        test "$(stat -c %a "$d$bindir/ketama")" = 755
}

# uninstall DESTDIR MAKE-VARIABLES...: `make uninstall` removes every file.
uninstall() {
    local d=$1
    shift
    check "make uninstall into $d fails" "$make" -s uninstall DESTDIR="$d" "$@"
    check "make uninstall left files in $d" bash -c "! find '$d' ! -type d | grep ."
}

# --- `make install` after `make` needs no cargo (as `sudo make install`, root's PATH) ---
# A cargo first on PATH that records its use and fails; the library is built already.
mkdir -p "$scratch/fakebin"
printf '#!/bin/sh\necho "cargo $*" >>"%s"\nexit 1\n' "$scratch/cargo-called" >"$scratch/fakebin/cargo"
chmod +x "$scratch/fakebin/cargo"
d=$scratch/nocargo
check "make install without cargo fails" \
    env -u CARGO PATH="$scratch/fakebin:/usr/sbin:/usr/bin:/sbin:/bin" "$make" -s install DESTDIR="$d"
check "make install ran cargo: $(cat "$scratch/cargo-called" 2>/dev/null)" test ! -e "$scratch/cargo-called"
check "make install without cargo did not install the library" test -f "$d/usr/local/lib/libketama.so.$version"
rm -rf "$d"

# --- The default layout; pkg-config with PKG_CONFIG_SYSROOT_DIR, then with a new prefix ---
d=$scratch/default
check "make install DESTDIR=$d fails" "$make" -s install DESTDIR="$d"
layout "$d" /usr/local /usr/local/lib /usr/local/include /usr/local/share/man
pc() { PKG_CONFIG_LIBDIR=$d/usr/local/lib/pkgconfig pkg-config "$@" ketama; }
check "ketama.pc's version is not $version" test "$(pc --modversion)" = "$version"
check "pkg-config --cflags --libs with a sysroot: $(PKG_CONFIG_SYSROOT_DIR=$d pc --cflags --libs)" \
    test "$(PKG_CONFIG_SYSROOT_DIR=$d pc --cflags --libs)" = \
    "-I$d/usr/local/include -L$d/usr/local/lib -lketama "
build_client shared "$(PKG_CONFIG_SYSROOT_DIR=$d pc --cflags --libs)"
run_client shared "$d/usr/local/lib"
# A static link: libketama.a and Libs.private, relocated with --define-variable.
static=$(pc --define-variable=prefix="$d/usr/local" --static --cflags --libs | static_libs)
check "no Libs.private in: $static" grep -q -- '-lgcc_s .*-lpthread' <<<"$static"
build_client static "$static"
run_client static
uninstall "$d"

# --- A multiarch layout, as the Debian package installs it ---
d=$scratch/multiarch
ma=/usr/lib/x86_64-linux-gnu
check "make install DESTDIR=$d LIBDIR=$ma fails" \
    "$make" -s install DESTDIR="$d" PREFIX=/usr LIBDIR="$ma"
layout "$d" /usr "$ma" /usr/include /usr/share/man
# shellcheck disable=SC2016 # ${prefix} is pkg-config's.
check "ketama.pc's libdir is not under \${prefix}" \
    grep -qxF 'libdir=${prefix}/lib/x86_64-linux-gnu' "$d$ma/pkgconfig/ketama.pc"
build_client multiarch \
    "$(PKG_CONFIG_SYSROOT_DIR=$d PKG_CONFIG_LIBDIR=$d$ma/pkgconfig pkg-config --cflags --libs ketama)"
run_client multiarch "$d$ma"
uninstall "$d" PREFIX=/usr LIBDIR="$ma"

# --- docs/packaging.md's recipe for building against a staged install, as it is written ---
recipe=$(doc_block docs/packaging.md 'LD_LIBRARY_PATH=/tmp/stage')
check "docs/packaging.md has no recipe for a staged install" test -n "$recipe"
d=$scratch/stage
if out=$(bash -euo pipefail -c "${recipe//\/tmp\/stage/$d}" 2>&1) &&
    [ "$(tail -n 3 <<<"$out")" = "$(cat c-tests/example_api.expected)" ]; then ok
else fail "docs/packaging.md's staged-install recipe printed:"; printf '%s\n' "$out"; fi
check "the recipe's program does not load the staged library" \
    grep -q "libketama\.so\.1 => $d/usr/local/lib/libketama\.so\.1 " \
    <<<"$(LD_LIBRARY_PATH=$d/usr/local/lib ldd "$d/example")"

summary
