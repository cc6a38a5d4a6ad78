#!/usr/bin/env bash
# The nginx module's Debian package from `make deb`: unpacks libnginx-mod-http-upstream-ketama
# and libketama1 into a scratch root with `dpkg -x`, checks their files and control data
# (the nginx ABI dh_nginx puts in Depends, the modules-available snippet, the scripts that
# enable it), then runs Debian's `nginx -t` on a configuration that loads the module through
# the packaged snippet and uses it (libketama's ring, and a flavor's).
#
# With --install (CI, as root, on a machine to spare): also installs the two packages with
# `dpkg -i`, runs `nginx -t` with the system's own module loading (modules-enabled), and
# purges what it installed. Closes with "N passed, N failed".
#
# Usage: nginx/deb-test.sh [--install]   (after `make deb`)
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=c-tests/deb-common.sh
source c-tests/deb-common.sh
pkg=libnginx-mod-http-upstream-ketama
module=$(deb $pkg)
runtime=$(deb libketama1)
so=/usr/lib/nginx/modules/ngx_http_upstream_ketama_module.so
snippet=/usr/share/nginx/modules-available/mod-http-upstream-ketama.conf

for deb in "$runtime" "$module"; do
    check "$deb does not unpack" dpkg -x "$deb" "$root"
done

# Control data: the nginx ABI of nginx-dev (dh_nginx), libketama1 of this version or later.
abi=$(sed -n 's/^nginx:abi=//p' /usr/share/nginx/src/debian/libnginx-mod.abisubstvars)
depends=$(dpkg-deb -f "$module" Depends)
check "$pkg does not depend on $abi: $depends" grep -qw -- "$abi" <<<"$depends"
check "$pkg does not depend on libketama1 (>= $version): $depends" \
    grep -qF "libketama1 (>= $version)" <<<"$depends"
conf=$(basename "$snippet")
check "$pkg's postinst does not enable the module as 50-$conf" \
    grep -q "$conf:50-$conf" <<<"$(dpkg-deb -I "$module" postinst)"

contents() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ {print $6}' | sed 's/^\.//' | sort; }
check "$pkg holds other files than expected" diff <(contents "$module") <(printf '%s\n' \
    "$so" "$snippet" "/usr/share/doc/$pkg/changelog.Debian.gz" "/usr/share/doc/$pkg/copyright" |
    sort)
check "the snippet does not load the module" \
    test "$(cat "$root$snippet")" = "load_module modules/ngx_http_upstream_ketama_module.so;"
check "the module does not need libketama.so.1" \
    grep -q 'NEEDED.*\[libketama\.so\.1\]' <<<"$(readelf -d "$root$so")"
check "the module has a run path" test -z "$(readelf -d "$root$so" | grep -E 'RPATH|RUNPATH')"

# nginx -t with the packaged snippet: its "modules/" is relative to nginx's prefix, where
# nginx-common links /usr/share/nginx/modules to /usr/lib/nginx/modules; the same link here.
ln -s ../../lib/nginx/modules "$root/usr/share/nginx/modules"
conf_body() {
    cat <<EOF
events {}
http {
    upstream memcached_pool {
        ketama \$memcached_key;
        server 127.0.0.1:11211 weight=600;
        server 127.0.0.1:11212 weight=300;
    }
    upstream php_pool {
        ketama \$memcached_key flavor=libmemcached;
        server 127.0.0.1:11211 weight=600;
        server 127.0.0.1:11212 weight=300;
    }
    server {
        listen 127.0.0.1:8080;
        location / {
            set \$memcached_key \$uri;
            memcached_pass memcached_pool;
        }
    }
}
EOF
}
{ echo "include $root$snippet;"; conf_body; } >"$scratch/nginx.conf"
check "nginx -t with the packaged module" env LD_LIBRARY_PATH="$root/usr/lib/$ma" \
    /usr/sbin/nginx -t -q -p "$root/usr/share/nginx/" -c "$scratch/nginx.conf" \
    -g "error_log stderr; pid $scratch/nginx.pid;"

if [ "${1:-}" = --install ]; then
    installed=$(dpkg-query -W -f '${Status}' libketama1 2>/dev/null)
    check "dpkg -i of libketama1 and $pkg" dpkg -i "$runtime" "$module"
    check "the module is not enabled in /etc/nginx/modules-enabled" \
        test -L /etc/nginx/modules-enabled/50-mod-http-upstream-ketama.conf
    { echo "include /etc/nginx/modules-enabled/*.conf;"; conf_body; } >"$scratch/system.conf"
    check "nginx -t with the installed module" /usr/sbin/nginx -t -q -c "$scratch/system.conf" \
        -g "error_log stderr; pid $scratch/nginx.pid;"
    check "dpkg -P $pkg" dpkg -P "$pkg"
    check "purging $pkg leaves its modules-enabled link" \
        test ! -e /etc/nginx/modules-enabled/50-mod-http-upstream-ketama.conf
    # libketama1 goes again unless it was there before
    if [ "$installed" != "install ok installed" ]; then
        check "dpkg -P libketama1" dpkg -P libketama1
    fi
fi

summary
