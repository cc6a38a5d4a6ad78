#!/usr/bin/env bash
# make test-trixie: the whole project built and tested on Debian 13 (trixie) with Debian 13's
# own toolchain (rustc and cargo 1.85, so SIMD=no; PHP 8.4, nginx 1.26, Python 3.13), in a
# chroot made from Debian's archive under target/trixie/ (docs/packaging.md):
#
#   1. mmdebstrap: a minimal trixie (make, git, python3-venv) in target/trixie/root
#   2. the files git tracks (the working tree's copies) into /build/libketama, committed there
#   3. in the chroot, as a user would: make deb first (it must fail at once, naming what is
#      missing), then a venv activated, make deps, make, make test, make deb,
#      the package tests (c-tests, php and nginx deb-test.sh), then every .deb installed with
#      apt and used: PHP loads the extension phpenmod enabled, nginx -t loads the module with
#      nginx/example.conf in conf.d, a C client builds with pkg-config, the command runs
#
# The chroot runs in a mount and PID namespace of its own (unshare): its /proc and /dev
# mounts, and any process a test left, end with it, passed or failed; afterwards no mount
# may remain under target/trixie (checked). Needs root and mmdebstrap (make deps). The
# output is also written to target/trixie/test.log.
#
# Usage: tools/trixie.sh   (TRIXIE_MIRROR: the archive, default http://deb.debian.org/debian)
#        tools/trixie.sh --inside   (what runs in the chroot, from /build/libketama)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = --inside ]; then
    stage() { echo "test-trixie: $*"; }
    stage "in the chroot: $(. /etc/os-release && echo "$PRETTY_NAME")"
    # shellcheck source=c-tests/pkg-common.sh
    source c-tests/pkg-common.sh
    # make deb before make deps: it fails at once, naming its missing tools, then (with them)
    # its missing build dependencies, before building anything.
    fails_fast() {
        local start=$SECONDS out
        if out=$(make deb 2>&1); then fail "make deb passed without $1"; return; fi
        check "make deb without its $1 took $((SECONDS - start)) s" test $((SECONDS - start)) -lt 30
        check "make deb without its $1 does not name $2: $out" grep -q "make deb needs: .*$2" <<<"$out"
    }
    stage "make deb before make deps"
    fails_fast tools dpkg-dev
    # mmdebstrap leaves no package lists behind.
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dpkg-dev lintian xz-utils >/dev/null
    fails_fast "build dependencies" dh-php
    python3 -m venv /opt/venv
    export VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH
    # Everything but what only the host uses (the chroot's maker, the fuzzer).
    DEPS_WITHOUT="mmdebstrap cargo-fuzz" make deps
    stage "toolchain: $(rustc --version), $(cargo --version)"
    stage "PHP $(php-config --version) (phpapi $(php-config --phpapi)), $(nginx -v 2>&1 | sed 's|.*/||;s|^|nginx |'), $(python3 --version)"
    stage "make SIMD=no"
    make SIMD=no
    stage "make test SIMD=no"
    make test SIMD=no
    stage "make deb"
    make deb
    stage "the package tests"
    bash c-tests/deb-test.sh
    bash php/deb-test.sh
    bash nginx/deb-test.sh --install
    stage "every package installed with apt, and used"
    for p in php-ketama libnginx-mod-http-upstream-ketama; do
        echo "  $p depends on: $(dpkg-deb -f "target/deb/${p}_"*.deb Depends)"
    done
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./target/deb/*.deb
    check "PHP does not load the installed extension (phpenmod)" \
        test "$(php -r 'echo phpversion("ketama");')" = "$version"
    php_fpm=/usr/sbin/php-fpm$(php-config --version | cut -d. -f1,2)
    check "php-fpm does not load the installed extension" grep -qx ketama <<<"$("$php_fpm" -m)"
    check "php/examples/quick.php with the installed extension" \
        diff <(php php/examples/quick.php) c-tests/example_api.expected
    cp nginx/example.conf /etc/nginx/conf.d/ketama-example.conf
    check "nginx -t with the installed module and nginx/example.conf" nginx -t -q
    rm /etc/nginx/conf.d/ketama-example.conf
    build_client installed "$(pkg-config --cflags --libs ketama)"
    run_client installed /usr/lib/"$(dpkg-architecture -qDEB_HOST_MULTIARCH)"
    check "the installed ketama command" \
        test "$(ketama points c-tests/fixtures/single.servers | head -n 1)" = "Numpoints in continuum: 160"
    summary
    exit
fi

dir=target/trixie
root=$dir/root
mirror=${TRIXIE_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" -eq 0 ] || { echo "make test-trixie needs root (mmdebstrap, chroot, mounts)" >&2; exit 1; }
command -v mmdebstrap >/dev/null ||
    { echo "make test-trixie needs mmdebstrap (make deps installs it)" >&2; exit 1; }
git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
    { echo "make test-trixie needs a git checkout: it builds what git tracks" >&2; exit 1; }

# Any mount left under the chroot (none should be: they live in the namespace) is undone
# and fails the run.
leftovers() {
    findmnt -rno TARGET | grep -F "$PWD/$dir/" || true
}
clean_mounts() {
    local left
    left=$(leftovers)
    [ -z "$left" ] && return 0
    echo "test-trixie: mounts left under $dir: $left" >&2
    sort -r <<<"$left" | xargs -r -n1 umount -l
    return 1
}
clean_mounts
rm -rf "$dir"
mkdir -p "$dir"
exec > >(tee "$dir/test.log") 2>&1
echo "test-trixie: the output is also in $dir/test.log"
start=$SECONDS

echo "test-trixie: [1/3] a Debian 13 chroot from $mirror (mmdebstrap)"
mmdebstrap --variant=apt --mode=root --include=make,git,python3-venv,ca-certificates \
    trixie "$root" "$mirror"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The certificate authorities this machine adds to Debian's (an HTTPS proxy's, say), for
# cargo and pip in the chroot.
if [ -n "$(ls -A /usr/local/share/ca-certificates 2>/dev/null)" ]; then
    cp -R /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null
fi
# No service starts when its package is installed (nginx would listen on port 80 of this
# machine): Debian's way for chroots.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

echo "test-trixie: [2/3] the files git tracks into /build/libketama"
mkdir -p "$root/build/libketama"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$root/build/libketama"
chroot "$root" sh -c 'cd /build/libketama && git init -q && git add -A &&
    git -c user.name=test-trixie -c user.email=test-trixie@localhost commit -qm snapshot'

echo "test-trixie: [3/3] build, test and package in the chroot"
status=0
unshare --mount --pid --fork --propagation private -- bash -c '
    set -e
    mount --rbind /dev "$1/dev"
    mount -t proc proc "$1/proc"
    exec chroot "$1" env -i HOME=/root LANG=C.UTF-8 TERM=dumb CI="${CI:-}" \
        CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        bash -c "cd /build/libketama && exec bash tools/trixie.sh --inside"' \
    trixie "$root" || status=$?
clean_mounts || status=1
echo "test-trixie: $([ "$status" -eq 0 ] && echo passed || echo FAILED) in $(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s"
exit "$status"
