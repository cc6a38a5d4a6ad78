#!/usr/bin/env bash
# The Debian packages of `make deb`: unpacks libketama1, libketama-dev and ketama into a scratch
# root with `dpkg -x`, checks their files, control data and symbols file, then builds
# clients there with nothing but pkg-config's flags (PKG_CONFIG_SYSROOT_DIR and
# PKG_CONFIG_LIBDIR pointing into the root), shared and static, and runs them.
# Closes with "N passed, N failed".
#
# Usage: c-tests/deb-test.sh   (after `make deb`, which leaves the packages in target/deb/)
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=c-tests/deb-common.sh
source c-tests/deb-common.sh
mapfile -t symbols <libketama.symbols.txt
runtime=$(deb libketama1)
dev=$(deb libketama-dev)
tool=$(deb ketama)
lib=$root/usr/lib/$ma

for deb in "$runtime" "$dev" "$tool"; do
    check "$deb does not unpack" dpkg -x "$deb" "$root"
done
check "package version $debversion is not $version-N" test "${debversion%-*}" = "$version"

# Control data: dependencies, multiarch, the symbols file.
check "libketama1 is not Multi-Arch: same" test "$(dpkg-deb -f "$runtime" Multi-Arch)" = same
check "libketama1 does not depend on libc6" grep -q libc6 <<<"$(dpkg-deb -f "$runtime" Depends)"
check "libketama-dev depends on: $(dpkg-deb -f "$dev" Depends)" \
    test "$(dpkg-deb -f "$dev" Depends)" = "libketama1 (= $debversion)"
check "libketama1's symbols file does not list exactly libketama.symbols.txt" \
    diff <(dpkg-deb -I "$runtime" symbols | sed -n 's/^ \([^@]*\)@Base .*/\1/p' | sort) \
    <(sort libketama.symbols.txt)
check "libketama1's shlibs: $(dpkg-deb -I "$runtime" shlibs)" \
    grep -qx "libketama 1 libketama1 (>= $version)" <<<"$(dpkg-deb -I "$runtime" shlibs)"

# Which package holds which file.
contents() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ {print $6}' | sed 's/^\.//' | sort; }
check "libketama1 holds other files than expected" diff <(contents "$runtime") <(printf '%s\n' \
    "/usr/lib/$ma/libketama.so.$version" "/usr/lib/$ma/libketama.so.1" \
    /usr/share/doc/libketama1/changelog.Debian.gz /usr/share/doc/libketama1/copyright | sort)
check "libketama-dev holds other files than expected" diff <(contents "$dev") <(
    {
        printf '%s\n' /usr/include/ketama.h "/usr/lib/$ma/libketama.a" \
            "/usr/lib/$ma/libketama.so" "/usr/lib/$ma/pkgconfig/ketama.pc" \
            /usr/share/man/man3/ketama.3.gz /usr/share/doc/libketama-dev/changelog.Debian.gz \
            /usr/share/doc/libketama-dev/copyright
        for f in "${symbols[@]}"; do echo "/usr/share/man/man3/$f.3.gz"; done
    } | sort
)
check "ketama holds other files than expected" diff <(contents "$tool") <(printf '%s\n' \
    /usr/bin/ketama /usr/share/man/man1/ketama.1.gz /usr/share/doc/ketama/changelog.Debian.gz \
    /usr/share/doc/ketama/copyright /usr/share/lintian/overrides/ketama | sort)
check "the packaged ketama command does not roll a server file" \
    test "$("$root/usr/bin/ketama" points c-tests/fixtures/single.servers | head -n 1)" = \
    "Numpoints in continuum: 160"
check "the packaged library lacks the soname libketama.so.1" \
    grep -q 'SONAME.*\[libketama\.so\.1\]' <<<"$(readelf -d "$lib/libketama.so.1")"
for f in "${symbols[@]}"; do
    check "man page $f(3) does not open ketama(3)" \
        grep -q '^\.SH NAME' <<<"$(zcat "$root/usr/share/man/man3/$f.3.gz")"
done

# The static archive: no debug information (dh_strip) and no LLVM bitcode (make).
check "libketama.a in libketama-dev carries debug information or LLVM bitcode" \
    bash -c "! objdump -h '$lib/libketama.a' | grep -qE '\.(debug_info|llvmbc) '"

# The source package: the tree as the orig tarball, the crates as its vendor component.
dsc=$(echo target/deb/source/libketama_"$debversion".dsc)
check "$dsc lacks the vendored crates' tarball" \
    grep -q " libketama_${version}.orig-vendor.tar.xz$" "$dsc"
# Exactly the files git tracks, but debian/: whatever else lies in the tree (.ci/run leaves an
# ignored python/target/ and an untracked file there first) stays out.
check "the orig tarball holds other files than git tracks (outside debian/)" \
    diff <(tar -tJf "target/deb/source/libketama_$version.orig.tar.xz" | grep -v '/$' |
        sed 's|^[^/]*/||' | sort) <(git ls-files | grep -v '^debian/' | sort)
check "the source package's debian/ holds other files than git tracks there" \
    diff <(tar -tJf "target/deb/source/libketama_$debversion.debian.tar.xz" | grep -v '/$' | sort) \
    <(git ls-files debian | sort)
check "the vendored crates lack md-5 or clap" bash -c \
    "tar -tJf target/deb/source/libketama_$version.orig-vendor.tar.xz | grep -q '^vendor/md-5-' &&
     tar -tJf target/deb/source/libketama_$version.orig-vendor.tar.xz | grep -q '^vendor/clap-'"
# The build compiled the vendored crates and fetched nothing (make deb ran it without a network
# where it could, and CARGO_NET_OFFLINE forbids cargo to try).
check "the package build did not compile the crates from vendor/" \
    grep -q "Compiling libc v" target/deb/build.log
check "the package build reached for the network" \
    bash -c '! grep -E "Updating crates.io index|Downloading crates|Downloaded " target/deb/build.log'

# Clients built inside the root with pkg-config alone.
pc() { PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$lib/pkgconfig pkg-config "$@" ketama; }
check "ketama.pc's version is not $version" test "$(pc --modversion)" = "$version"
build_client deb-shared "$(pc --cflags --libs)"
run_client deb-shared "$lib"
build_client deb-static "$(pc --static --cflags --libs | static_libs)"
run_client deb-static

summary
