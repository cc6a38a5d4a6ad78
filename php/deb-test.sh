#!/usr/bin/env bash
# The php-ketama package of `make deb`: unpacks it with libketama1 into a scratch root
# (`dpkg -x`), checks its files, control data and maintainer scripts, then runs the
# documented PHP examples (docs/php.md) with PHP loading the packaged extension through the
# packaged ini file and the packaged library. Closes with "N passed, N failed".
#
# Usage: php/deb-test.sh   (after `make deb`, which leaves the packages in target/deb/)
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=c-tests/deb-common.sh
source c-tests/deb-common.sh
api=$(php-config --phpapi)
phpver=$(php-config --version | cut -d. -f1,2)
runtime=$(deb libketama1)
ext=$(deb php-ketama)

for deb in "$runtime" "$ext"; do
    check "$deb does not unpack" dpkg -x "$deb" "$root"
done

# What Debian's PHP packaging expects: the module in PHP's extension directory for this API,
# its ini in mods-available (dh_php), enabled by phpenmod on installation.
contents() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ {print $6}' | sed 's/^\.//' | sort; }
check "php-ketama holds other files than expected" diff <(contents "$ext") <(printf '%s\n' \
    "/etc/php/$phpver/mods-available/ketama.ini" "/usr/lib/php/$api/ketama.so" \
    /usr/share/doc/php-ketama/changelog.Debian.gz /usr/share/doc/php-ketama/copyright | sort)
depends=$(dpkg-deb -f "$ext" Depends)
check "php-ketama does not depend on phpapi-$api: $depends" grep -q "phpapi-$api" <<<"$depends"
check "php-ketama does not depend on libketama1: $depends" \
    grep -qE "libketama1 \(>= $version\)" <<<"$depends"
check "php-ketama's postinst does not enable the module" \
    grep -q 'php_invoke enmod "$version" ALL "$name"' <<<"$(dpkg-deb -I "$ext" postinst)"
check "php-ketama's prerm does not disable the module" \
    grep -q 'php_invoke dismod' <<<"$(dpkg-deb -I "$ext" prerm)"
check "ketama.ini does not load ketama.so" \
    grep -qx 'extension=ketama.so' "$root/etc/php/$phpver/mods-available/ketama.ini"
check "the packaged ketama.so carries a run path" \
    bash -c "! readelf -d '$root/usr/lib/php/$api/ketama.so' | grep -qE 'RPATH|RUNPATH'"
# Built with the package build's flags (dpkg-buildflags), as lintian's hardening checks and
# Debian's policy expect: -fstack-protector-strong leaves calls to __stack_chk_fail.
check "the packaged ketama.so is built without Debian's hardening flags (no stack protector)" \
    grep -q '__stack_chk_fail' <<<"$(nm -D "$root/usr/lib/php/$api/ketama.so")"
check "the packaged ketama.so does not need libketama.so.1" \
    grep -q 'NEEDED.*\[libketama\.so\.1\]' <<<"$(readelf -d "$root/usr/lib/php/$api/ketama.so")"

# PHP with no ini but the packaged one, the packaged extension directory and library.
packaged_php() {
    PHP_INI_SCAN_DIR=$root/etc/php/$phpver/mods-available LD_LIBRARY_PATH=$root/usr/lib/$ma \
        php -c /dev/null -d "extension_dir=$root/usr/lib/php/$api" "$@"
}
check "the packaged extension does not load, or not the packaged library" \
    grep -q "$root/usr/lib/$ma/libketama.so.1" <<<"$(LD_LIBRARY_PATH=$root/usr/lib/$ma \
        ldd "$root/usr/lib/php/$api/ketama.so")"
check "phpversion('ketama') is not $version" \
    test "$(packaged_php -r 'echo phpversion("ketama");')" = "$version"
# The modern example's first lines are the C example's (c-tests/example_api.c, same servers).
modern=$(packaged_php php/examples/modern.php)
check "modern.php with the package: $modern" \
    diff <(head -n 3 <<<"$modern") c-tests/example_api.expected
# The old-style script on last.fm's file beside it (php/examples/ketama.servers, run from
# elsewhere): the points and ips of the original (the fixture).
old=$(cd "$scratch" && packaged_php "$OLDPWD/php/examples/old_style.php")
check "old_style.php with the package: $old" diff <(head -n 5 <<<"$old") <(
    awk -F'\t' '$1 == "key" && $2 ~ /^[0-4]$/ {
        print "Key " $2 " is mapped to server " $5 " at point: " $4 }' \
        c-tests/fixtures/lastfm8.expected)

summary
