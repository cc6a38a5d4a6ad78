#!/usr/bin/env bash
# End-to-end test of the nginx module with real parts: Debian's nginx and four memcached on
# loopback ports. nginx/tests/kclient.c plays the application: it stores keys on the server
# libketama picks, then fetches them back through nginx and checks where each came from.
#
#   1. all 10,000 keys found through docs/nginx.md's configuration (nginx/example.conf), each
#      on the server the library named; the same through `ketama KEY file=` with a zone;
#      1,000 keys that nginx escapes for memcached (%, space, tab) found where the escaped
#      key's hash puts them;
#      2,000 more through servers whose addresses share their first 22 bytes; and, for
#      contrast, the hit rate of nginx's own `hash $memcached_key consistent`
#   2. reloads: a changed server file moves the keys as the library says; a broken one is
#      refused and the running configuration keeps routing as before
#   3. one memcached stopped: its keys go to exactly the server the ring's walk reaches,
#      also where the ring's points name servers alike in their first 22 bytes (or, with
#      memcached_next_upstream off, fail), every other key still hits
#   4. nginx -t: every configuration mistake named with its line, the library's messages
#      compared with the library at test time; flavor=: every flavor and some aliases taken,
#      an unknown one refused with the list of them, a server without its port refused;
#      extreme configurations in every flavor that must not crash
#   5. 100 reloads of 500-server upstreams, each in the next flavor (the block's servers and
#      file=): the master's memory does not grow
#   6. mixed fleets (nginx/tests/fleet.sh): php-memcached, npm memcached and twemproxy write,
#      nginx with their flavor finds every key
#   7. reloads every second under ab (nginx/tests/load.sh): no request to the module fails
#
# Every process started here is stopped by its pid, pass or fail; every wait is bounded.
# The helpers the suites share are in nginx/tests/common.sh.
# Usage: nginx/test.sh LIBDIR MODULE.so. Closes with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
lib=$(cd "$1" && pwd)
module=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
cc=${CC:-cc}
bin=target/nginx
# shellcheck source=nginx/tests/common.sh
source nginx/tests/common.sh

export LD_LIBRARY_PATH="$lib"

if ! $cc -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude -o "$bin/kclient" \
    nginx/tests/kclient.c -L"$lib" -lketama; then
    echo "kclient.c does not compile"
    echo "0 passed, 1 failed"
    exit 1
fi
kclient=$bin/kclient
mapfile -t flavors < <("$kclient" flavors)

# docs/nginx.md's configuration (its first nginx block) is the one this test runs, and
# README.md's excerpt is part of it.
first_block() { awk '/^```nginx$/ {f = 1; next} /^```$/ && f {exit} f' "$1"; }
if diff -u nginx/example.conf <(first_block docs/nginx.md)
then ok; else fail "docs/nginx.md's nginx configuration is not nginx/example.conf"; fi
readme_block=$(first_block README.md)
if [ -n "$readme_block" ] && [[ $(<nginx/example.conf) == *"$readme_block"* ]]
then ok; else fail "README.md's nginx excerpt is not part of nginx/example.conf"; fi

# --- four memcached, weights 600, 800, 1000, 300 ---
weights=(600 800 1000 300)
ports=()
mc_pids=()
for i in 0 1 2 3; do
    for _ in $(seq 20); do
        port=$(free_port)
        if start_memcached 127.0.0.1 "$port" "$scratch/memcached$i.log"; then
            mc_pids+=("$mc_pid")
            ports+=("$port")
            break
        fi
    done
done
if [ ${#ports[@]} -ne 4 ]; then
    fail "cannot start four memcached on loopback ports"
    summary
fi
echo "memcached on 127.0.0.1 ports ${ports[*]}"

# The application's server file, and servers whose addresses share their first 22 bytes:
# IPv4 literals with leading zeros (nginx reads 0000000000000127.0.0.1 as 127.0.0.1).
long_prefix=0000000000000127.0.0.1
for i in 0 1 2 3; do
    printf '127.0.0.1:%s\t%s\n' "${ports[$i]}" "${weights[$i]}"
done >"$scratch/memcached.servers"
for i in 0 1 2 3; do
    echo "$long_prefix:${ports[$i]} ${weights[$i]}"
done >"$scratch/long.list"
ring=file:$scratch/memcached.servers
long_ring=list:$scratch/long.list

tally "$kclient" store "$ring" /key/ 10000
tally "$kclient" store "$long_ring" /alike/ 2000
# Keys as memcached_pass sends them: nginx escapes space, % and control characters in the
# key (%20, %25, %09), so the application stores (and hashes) the escaped key.
escaped_prefix='/esc%25%20%09/'
tally "$kclient" store "$ring" "$escaped_prefix" 1000

servers_of() { # $1: address prefix; with weights unless $2 is "file"
    local i
    for i in 0 1 2 3; do
        if [ "${2:-}" = file ]; then
            echo "        server $1:${ports[$i]};"
        else
            echo "        server $1:${ports[$i]} weight=${weights[$i]};"
        fi
    done
}

# --- nginx: docs/nginx.md's configuration, and locations of the test's own ---
# Three ports (nginx's two, and the application's, which nothing serves: misses get 502);
# another try with other ports when one was taken meanwhile.
start_nginx() {
    http_port=$(free_port)
    test_port=$(free_port)
    app_port=$(free_port)
    sed -e "s/127\.0\.0\.1:1121\([1-4]\)/127.0.0.1:PORT\1/" \
        -e "s/127\.0\.0\.1:8080/127.0.0.1:$http_port/" \
        -e "s/127\.0\.0\.1:8081/127.0.0.1:$app_port/" \
        nginx/example.conf >"$scratch/example.conf"
    for i in 1 2 3 4; do
        sed -i "s/PORT$i\b/${ports[$((i - 1))]}/" "$scratch/example.conf"
    done
    mkdir -p "$scratch/run"
    write_conf "$scratch/run" 2 <<EOF
    include $scratch/example.conf;

    upstream memcached_file {
        zone memcached_file 64k;
        ketama \$memcached_key file=$scratch/memcached.servers;
$(servers_of 127.0.0.1 file)
    }

    upstream memcached_chash {
        hash \$memcached_key consistent;
$(servers_of 127.0.0.1)
    }

    upstream memcached_long {
        ketama \$memcached_key;
$(servers_of $long_prefix)
    }

    server {
        listen 127.0.0.1:$test_port;
        add_header X-Upstream \$upstream_addr always;

$(location_to file memcached_file)
$(location_to chash memcached_chash)
$(location_to long memcached_long)
$(location_to failover memcached_pool)
$(location_to strict memcached_pool 'memcached_next_upstream off;')
    }
EOF

    # nginx opens every listening socket before it starts a worker
    start_nginx_in "$scratch/run" "$test_port" && listening "$http_port"
}

if start_with_retries start_nginx; then ok
else
    fail "nginx did not start"
    summary
fi

hp=127.0.0.1:$http_port
tp=127.0.0.1:$test_port
tally "$kclient" fetch "$ring" /key/ 10000 "$hp" "" hit
tally "$kclient" fetch "$ring" "$escaped_prefix" 1000 "$hp" "" hit
tally "$kclient" fetch "$ring" /key/ 10000 "$tp" /file hit
"$kclient" fetch "$ring" /key/ 10000 "$tp" /chash contrast | grep '^fetch'
tally "$kclient" fetch "$long_ring" /alike/ 2000 "$tp" /long hit

echo "[$SECONDS s] all keys fetched"
# --- reloads: a changed server file, then a broken one ---
cp "$scratch/memcached.servers" "$scratch/memcached.servers.orig"
printf '127.0.0.1:%s\t%s\n' "${ports[0]}" 300 "${ports[1]}" 1000 "${ports[2]}" 800 \
    "${ports[3]}" 600 >"$scratch/memcached.servers"
cp "$scratch/memcached.servers" "$scratch/changed.servers"
if reload "$nginx_pid" 2 "$scratch/run/error.log"; then ok; else fail "reload timed out"; fi
tally "$kclient" fetch "file:$scratch/changed.servers" /key/ 10000 "$tp" /file route

printf 'not a server file\n' >"$scratch/memcached.servers"
"$kclient" error "$scratch/memcached.servers" >"$scratch/expected"
kill -HUP "$nginx_pid"
if wait_for "grep -qFf '$scratch/expected' '$scratch/run/error.log'" 100; then ok
else fail "a broken server file on reload: no \"$(cat "$scratch/expected")\" in the error log"; fi
sleep 0.5
tally "$kclient" fetch "file:$scratch/changed.servers" /key/ 10000 "$tp" /file route
cp "$scratch/memcached.servers.orig" "$scratch/memcached.servers"

echo "[$SECONDS s] reloads"
# --- one memcached stopped ---
dead=127.0.0.1:${ports[1]}
stop_pid "${mc_pids[1]}"
if ! listening "${ports[1]}"; then ok; else fail "memcached on ${ports[1]} still answers"; fi
tally "$kclient" fetch "$ring" /key/ 10000 "$tp" /failover failover "$dead"
tally "$kclient" fetch "$ring" /key/ 10000 "$tp" /strict strict "$dead"
tally "$kclient" fetch "$long_ring" /alike/ 2000 "$tp" /long failover "$long_prefix:${ports[1]}"

if stop_nginx "$nginx_pid"; then ok; else fail "nginx did not stop"; fi
if no_alerts "$scratch/run/error.log"; then ok
else fail "nginx logged alerts or crashed (above)"; fi

echo "[$SECONDS s] failover"
# --- nginx -t ---
# Runs nginx -t on the http body from stdin; $1 is what the output must contain, the
# line of the first line matching $2 (a fixed string) is the line it must name ("" for a
# configuration that must pass). $3 names the case.
conf_case=0
preload=
nginx_t() {
    local dir line out status
    conf_case=$((conf_case + 1))
    dir=$scratch/t$conf_case
    mkdir -p "$dir"
    write_conf "$dir" 1
    out=$(env ${preload:+LD_PRELOAD="$(pwd)/$preload"} /usr/sbin/nginx -t -p "$dir" \
        -c "$dir/nginx.conf" 2>&1)
    status=$?
    if [ -z "$2" ]; then
        if [ $status -eq 0 ] && [[ $out != *"[emerg]"* ]] && [[ $out == *"$1"* ]]; then ok
        else fail "nginx -t, $3: expected success with \"$1\", got: $out"; fi
        return
    fi
    line=$(grep -nF -- "$2" "$dir/nginx.conf" | head -n 1 | cut -d: -f1)
    if [ $status -ne 0 ] && [[ $out == *"$1"*" in $dir/nginx.conf:$line"* ]]; then ok
    else fail "nginx -t, $3: expected \"$1 ... in $dir/nginx.conf:$line\", got: $out"; fi
}

srv="server 127.0.0.1:${ports[0]};"
nginx_t '"ketama" directive is not allowed here' 'ketama $uri;' "outside an upstream" <<EOF
    server { listen 127.0.0.1:$http_port; ketama \$uri; }
EOF
nginx_t 'invalid number of arguments in "ketama" directive' 'ketama;' "no key" <<EOF
    upstream u { ketama; $srv }
EOF
nginx_t '"ketama" needs a key first' 'ketama file=' "file= without a key" <<EOF
    upstream u {
        ketama file=$scratch/memcached.servers;
        $srv
    }
EOF
nginx_t '"ketama" directive is duplicate' 'ketama $uri file' "twice" <<EOF
    upstream u {
        ketama \$uri;
        ketama \$uri file=$scratch/memcached.servers;
        $srv
    }
EOF
nginx_t 'invalid parameter "weights=2"' 'weights=2' "unknown parameter" <<EOF
    upstream u {
        ketama \$uri weights=2;
        $srv
    }
EOF
for method in 'hash $uri' ip_hash least_conn random 'keepalive 4'; do
    nginx_t '"ketama" cannot be combined with another load balancing method' 'ketama $' \
        "$method before ketama" <<EOF
    upstream u {
        $method;
        ketama \$uri;
        $srv
    }
EOF
done
for method in 'hash $uri' ip_hash least_conn random 'hash $uri consistent'; do
    nginx_t 'is overridden by another load balancing method given after it' 'ketama $' \
        "$method after ketama" <<EOF
    upstream u {
        ketama \$uri;
        $method;
        $srv
    }
EOF
done
nginx_t 'syntax is ok' '' "keepalive after ketama" <<EOF
    upstream u {
        ketama \$uri;
        keepalive 4;
        $srv
    }
EOF
nginx_t '"ketama" does not support backup servers' 'ketama $' "backup before ketama" <<EOF
    upstream u {
        server 127.0.0.1:${ports[1]} backup;
        ketama \$uri;
        $srv
    }
EOF
nginx_t 'balancing method does not support parameter "backup"' 'backup' \
    "backup after ketama" <<EOF
    upstream u {
        ketama \$uri;
        $srv
        server 127.0.0.1:${ports[1]} backup;
    }
EOF
nginx_t 'balancing method does not support parameter "max_conns=' 'max_conns' \
    "max_conns after ketama" <<EOF
    upstream u {
        ketama \$uri;
        server 127.0.0.1:${ports[1]} max_conns=4;
    }
EOF

# file= that does not roll: the library's own message, asked of the library now.
printf '127.0.0.1:1 100\n127.0.0.1:2 x\n' >"$scratch/bad.servers"
for f in "$scratch/missing.servers" "$scratch/bad.servers" "$scratch"; do
    nginx_t "cannot use server file \"$f\": $("$kclient" error "$f")" 'file=' \
        "file=$f" <<EOF
    upstream u {
        $srv
        ketama \$uri file=$f;
    }
EOF
done
nginx_t "of \"$scratch/memcached.servers\" is not a server of upstream \"u\"" 'file=' \
    "a file with a server the block lacks" <<EOF
    upstream u {
        ketama \$uri file=$scratch/memcached.servers;
        $srv
    }
EOF
cp "$scratch/memcached.servers" "$scratch/relative.servers"
nginx_t 'syntax is ok' '' "file= relative to the configuration's directory" <<EOF
    upstream u {
        ketama \$uri file=../relative.servers;
$(servers_of 127.0.0.1 file)
    }
EOF

# A name that resolves to several addresses is refused; nginx/tests/two_addresses.c makes
# one whatever the machine's resolver says.
if $cc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$bin/two_addresses.so" \
    nginx/tests/two_addresses.c -ldl; then
    preload=$bin/two_addresses.so
    nginx_t 'server "two-addresses.test:11211" in upstream "u" resolves to 2 addresses' \
        'ketama $' "a name of several addresses" <<EOF
    upstream u {
        ketama \$uri;
        server two-addresses.test:11211;
    }
EOF
    preload=
else
    fail "two_addresses.c does not compile"
fi

# flavor=: the library's names (and aliases), an unknown one refused with the list of
# them, in the library's words, on the directive's line; a server line without its port,
# which nginx would reach on port 80 and the flavor's clients on 11211.
echo "127.0.0.1:11211 1" >"$scratch/one.list"
nginx_t "invalid \"flavor=memcache\": $("$kclient" error "memcache@list:$scratch/one.list")" \
    'flavor=memcache' "an unknown flavor" <<EOF
    upstream u {
        $srv
        ketama \$uri flavor=memcache;
    }
EOF
nginx_t 'the flavors are libketama, libmemcached,' 'flavor=LIBMEMCACHED' \
    "a flavor's name in capitals" <<EOF
    upstream u {
        ketama \$uri flavor=LIBMEMCACHED;
        $srv
    }
EOF
nginx_t '"flavor=" needs a name' 'flavor=;' "flavor= without a name" <<EOF
    upstream u {
        ketama \$uri flavor=;
        $srv
    }
EOF
nginx_t 'duplicate "flavor="' 'flavor=dalli' "flavor= twice" <<EOF
    upstream u {
        ketama \$uri flavor=libmemcached flavor=dalli;
        $srv
    }
EOF
nginx_t '"ketama" needs a key first' 'ketama flavor=' "flavor= without a key" <<EOF
    upstream u {
        ketama flavor=libmemcached;
        $srv
    }
EOF
for f in "${flavors[@]}" php-memcached nutcracker twemproxy:fnv1a_64; do
    nginx_t 'syntax is ok' '' "flavor=$f" <<EOF
    upstream u {
        ketama \$uri flavor=$f;
        server 127.0.0.1:${ports[0]} weight=3;
        server 127.0.0.1:11211 weight=2;
        server [::1]:11211;
    }
EOF
done
nginx_t 'ketama: server "127.0.0.2" in upstream "u" has no port: nginx connects to port 80' \
    'ketama $' "a server without its port, with a flavor" <<EOF
    upstream u {
        ketama \$uri flavor=libmemcached;
        $srv
        server 127.0.0.2;
    }
EOF
nginx_t 'ketama: server "[::1]" in upstream "u" has no port' 'ketama $' \
    "an IPv6 server without its port, with a flavor" <<EOF
    upstream u {
        $srv
        server [::1] weight=2;
        ketama \$uri flavor=twemproxy;
    }
EOF
nginx_t 'syntax is ok' '' "port 80 written, with a flavor" <<EOF
    upstream u {
        ketama \$uri flavor=dalli;
        server 127.0.0.1:80;
    }
EOF
nginx_t 'syntax is ok' '' "a server without its port, libketama's ring as before" <<EOF
    upstream u {
        ketama \$uri;
        server 127.0.0.2;
    }
EOF
# file= with a flavor: the file read as ketama_roll reads it, then the flavor's checks (the
# weights twemproxy counts in 32 bits), in the library's words.
printf '127.0.0.1:1\t4294967295\n127.0.0.1:2\t2\n' >"$scratch/wide.servers"
nginx_t "cannot use server file \"$scratch/wide.servers\": $("$kclient" error \
    "twemproxy@file:$scratch/wide.servers")" 'file=' "file= past what the flavor counts" <<EOF
    upstream u {
        ketama \$uri file=$scratch/wide.servers flavor=twemproxy;
        server 127.0.0.1:1;
        server 127.0.0.1:2;
    }
EOF
nginx_t 'syntax is ok' '' "the same file= in libketama's ring" <<EOF
    upstream u {
        ketama \$uri file=$scratch/wide.servers;
        server 127.0.0.1:1;
        server 127.0.0.1:2;
    }
EOF

# Extremes in every flavor: weights at nginx's limit, a sum past the library's, 3,000
# servers, long names alike in their first 22 bytes, the same server twice. None may crash;
# each passes or is refused with the library's words, as the library takes the same list.
echo "127.0.0.1:1 9223372036854775807" >"$scratch/largest.list"
echo "127.0.0.1:2 1" >>"$scratch/largest.list"
for p in 1 2 3; do echo "127.0.0.1:$p 9223372036854775807"; done >"$scratch/overflow.list"
for p in $(seq 30001 33000); do echo "127.0.0.1:$p $((p % 7 + 1))"; done >"$scratch/many.list"
zeros=$(printf '0%.0s' $(seq 400))
for p in $(seq 30001 30200); do echo "${zeros}127.0.0.1:$p 1"; done >"$scratch/long.list"
printf '127.0.0.1:%s 1\n' "${ports[0]}" "${ports[0]}" >"$scratch/twice.list"
for f in "" "${flavors[@]}"; do
    for list in largest overflow many long twice; do
        if expected=$("$kclient" error "${f:+$f@}list:$scratch/$list.list" 2>/dev/null); then
            expected="ketama: $expected" line='ketama $'
        else
            expected='syntax is ok' line=
        fi
        nginx_t "$expected" "$line" "$list.list in flavor ${f:-(none)}" <<EOF
    upstream u {
        ketama \$uri${f:+ flavor=$f};
$(while read -r a w; do echo "        server $a weight=$w;"; done <"$scratch/$list.list")
    }
EOF
    done
done

echo "[$SECONDS s] nginx -t"
# --- 100 reloads of two 500-server upstreams, each in the next flavor: the master must not
# grow ---
mkdir -p "$scratch/leak"
for p in $(seq 40001 40500); do
    echo "127.0.0.1:$p $((p % 5 + 1))"
done >"$scratch/leak/big.servers"
leak_conf() { # $1: the flavor
    write_conf "$scratch/leak" 1 <<EOF
    upstream big {
        ketama \$uri flavor=$1;
$(for p in $(seq 40001 40500); do echo "        server 127.0.0.1:$p weight=$((p % 5 + 1));"; done)
    }
    upstream big_file {
        ketama \$uri file=$scratch/leak/big.servers flavor=$1;
$(for p in $(seq 40001 40500); do echo "        server 127.0.0.1:$p;"; done)
    }
EOF
}
leak_conf libketama
if start_nginx_in "$scratch/leak"; then
    done_reloads=0
    for i in $(seq 100); do
        leak_conf "${flavors[$((i % ${#flavors[@]}))]}"
        reload "$nginx_pid" 1 "$scratch/leak/error.log" || break
        done_reloads=$i
        # twice round the flavors, every flavor's continua have been made (and the library's
        # cache of server files holds a roll of each): from here on a reload makes what an
        # earlier one freed (the RSS measured every 27 reloads over 300: flat from the 54th)
        [ "$i" -eq 60 ] && rss60=$(rss "$nginx_pid")
    done
    rss100=$(rss "$nginx_pid")
    growth=$((rss100 - ${rss60:-0}))
    echo "reloads: $done_reloads, ${#flavors[@]} flavors in turn;" \
        "master RSS ${rss60:-?} KiB after 60, $rss100 KiB after 100"
    # Each configuration holds two continua of some 80,000 points (2.2 MiB each, and
    # 0.3 MiB of owners); kept by a leak, 40 reloads would add a hundred MiB and more.
    if [ "$done_reloads" -eq 100 ] && [ "$growth" -lt 10240 ]; then ok
    else fail "after $done_reloads reloads the master grew by $growth KiB"; fi
    # a refused configuration would leave the previous one running: none may be
    if grep -F '[emerg]' "$scratch/leak/error.log"; then fail "a reload was refused (above)"
    else ok; fi
    if stop_nginx "$nginx_pid"; then ok; else fail "nginx did not stop"; fi
    if no_alerts "$scratch/leak/error.log"; then ok; else fail "nginx logged alerts (above)"; fi
else
    fail "nginx with 500-server upstreams did not start"
fi

echo "[$SECONDS s] 100 reloads"
# --- mixed fleets: real clients of other ecosystems write, nginx reads every key ---
tally bash nginx/tests/fleet.sh "$lib" "$module" "$kclient"
echo "[$SECONDS s] mixed fleets"
# --- reloads every second under ab: no request to the module fails ---
tally bash nginx/tests/load.sh "$lib" "$module"
echo "[$SECONDS s] reloads under load"
summary
