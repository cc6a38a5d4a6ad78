#!/usr/bin/env bash
# make deb: the source package and every binary package of debian/control (with their
# -dbgsym packages), built offline, into target/deb/ (docs/packaging.md).
#
# First checks what the build needs (fails at once, naming the packages), says where the log
# goes, then shows each stage, and the build's steps as they go:
#   1. the vendored crates (make vendor: cargo vendor, checked against debian/copyright)
#   2. the source package: exactly the files git tracks (git ls-files: the working tree's
#      copies, whatever else lies in the tree) without debian/ as the orig tarball, the
#      crates as its vendor component, debian/ as git tracks it
#   3. unpacked again with dpkg-source -x
#   4. the binary packages, built there with dpkg-buildpackage -b, offline: cargo's home is
#      empty, CARGO_NET_OFFLINE is set (debian/rules), and where `unshare -n` works the build
#      runs in a network namespace without a network, loopback only
#   5. lintian on the source and binary packages (report in target/deb/lintian.txt)
# The .debs land in target/deb/.
#
# Run by make (VERSION, MAKE from it), from the repository's root.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${VERSION:?run through make deb}
make=${MAKE:-make}
debdir=target/deb
log=$debdir/build.log
vendor_tar=target/vendor/libketama_$version.orig-vendor.tar.xz

# --- What the build needs, before any of it ---
missing=()
need() { command -v "$1" >/dev/null || missing+=("$2"); }
need dpkg-checkbuilddeps dpkg-dev
need dpkg-buildpackage dpkg-dev
need lintian lintian
need xz xz-utils
need git git
if [ ${#missing[@]} -gt 0 ]; then
    echo "make deb needs: $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')(make deps installs them)" >&2
    exit 1
fi
git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
    { echo "make deb needs a git checkout: the source package holds what git tracks" >&2; exit 1; }

# Build-Depends. Where the cargo on PATH is not Debian's (rustup's, on a distribution whose
# Rust is older than Build-Depends asks), Debian's cargo and rustc are not asked for: the
# rustc on PATH is checked instead, and dpkg-buildpackage runs with -d.
control=$(mktemp)
trap 'rm -f "$control"' EXIT
if ! cargo_path=$(readlink -f "$(command -v cargo)") || dpkg -S "$cargo_path" >/dev/null 2>&1; then
    cp debian/control "$control"
else
    sed -e '/^ *cargo,$/d' -e '/^ *rustc (/d' debian/control >"$control"
    rust=$(rustc --version 2>/dev/null | awk '{print $2}')
    if [ -z "$rust" ] || ! printf '1.85.0\n%s\n' "$rust" | sort -CV; then
        echo "make deb needs rustc 1.85 or newer (found: ${rust:-none}): Debian 13's rustc and cargo, or rustup's" >&2
        exit 1
    fi
fi
if ! unmet=$(dpkg-checkbuilddeps "$control" 2>&1); then
    echo "make deb needs: ${unmet#*Unmet build dependencies: } (make deps installs them)" >&2
    exit 1
fi

rm -rf "$debdir"
mkdir -p "$debdir/source" "$debdir/build" "$debdir/cargo-home"
: >"$log"
echo "make deb: the log is $log"
stage() { echo "make deb: [$1/5] $2"; }
# failed WHAT: the end of the log, and the stage that failed.
failed() {
    tail -n 60 "$log"
    echo "make deb: $1 failed (the whole log: $log)" >&2
    exit 1
}
# Reproducible tarballs: sorted, owned by root, files dated by the last changelog entry.
tar_repro() {
    tar --sort=name --owner=0 --group=0 --numeric-owner \
        --mtime="@$(dpkg-parsechangelog -STimestamp)" "$@"
}

stage 1 "the vendored crates ($vendor_tar)"
"$make" --no-print-directory vendor >>"$log" 2>&1 || failed "make vendor"

stage 2 "the source package ($debdir/source), of the files git tracks"
src=$debdir/source/libketama-$version
mkdir -p "$src"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$src"
mv "$src/debian" "$debdir/source/debian"
tar_repro -C "$debdir/source" -cf - "libketama-$version" | xz -T0 >"$debdir/source/libketama_$version.orig.tar.xz"
mv "$debdir/source/debian" "$src/debian"
cp "$vendor_tar" "$debdir/source/"
tar -xJf "$vendor_tar" -C "$src"
(cd "$debdir/source" && dpkg-source -b "libketama-$version") >>"$log" 2>&1 || failed "dpkg-source -b"

stage 3 "unpacked with dpkg-source -x ($debdir/build)"
(cd "$debdir" && dpkg-source -x source/libketama_*.dsc "build/libketama-$version") >>"$log" 2>&1 ||
    failed "dpkg-source -x"

if unshare -n true 2>/dev/null; then
    offline=(unshare -n)
elif unshare -rn true 2>/dev/null; then
    offline=(unshare -rn)
else
    offline=()
    echo "make deb: no network namespace here: offline by CARGO_NET_OFFLINE alone"
fi
stage 4 "the binary packages (dpkg-buildpackage, offline${offline[*]:+, in a network namespace}): its steps as they go"
# The steps: dh's commands, the library's and the modules' builds, each package written.
steps='^(   )?dh_[a-z_]+|^   debian/rules |^PHP_RPATH|Compiling ketama v|Finished `release`|dpkg-deb: building'
(
    cd "$debdir/build/libketama-$version"
    CARGO_HOME="$PWD/../../cargo-home" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" \
        DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}" "${offline[@]}" sh -c \
        'ip link set lo up 2>/dev/null; exec dpkg-buildpackage -us -uc -b -d' 2>&1
) | tee -a "$log" | awk -v steps="$steps" '$0 ~ steps { print "  " $0; fflush() }' ||
    failed "the package build"

stage 5 "lintian (report in $debdir/lintian.txt)"
status=0
lintian --fail-on error --info "$debdir"/source/*.dsc "$debdir"/build/*.changes >"$debdir/lintian.txt" ||
    status=$?
cat "$debdir/lintian.txt"
[ "$status" -eq 0 ] || { echo "make deb: lintian found errors" >&2; exit 1; }
mv "$debdir"/build/*.deb "$debdir/"
debs=("$debdir"/*.deb)
echo "make deb: done: ${#debs[@]} packages in $debdir/ (log: $log)"
