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
#      compared with the library at test time, extreme configurations that must not crash
#   5. 100 reloads of 500-server upstreams: the master's memory does not grow
#
# Every process started here is stopped by its pid, pass or fail; every wait is bounded.
# Usage: nginx/test.sh LIBDIR MODULE.so. Closes with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
lib=$(cd "$1" && pwd)
module=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
cc=${CC:-cc}
bin=target/nginx
scratch=$(mktemp -d /tmp/ketama-nginx.XXXXXX)
chmod 755 "$scratch"
pids=()
passed=0
failed=0

ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null
    done
    rm -rf "$scratch"
}
trap cleanup EXIT

export LD_LIBRARY_PATH="$lib"

# Adds a program's closing "N passed, N failed" to the totals.
tally() {
    local out last
    out=$("$@")
    echo "$out" | grep -v '^[0-9]* passed, [0-9]* failed$'
    last=$(echo "$out" | tail -n 1)
    if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        passed=$((passed + BASH_REMATCH[1]))
        failed=$((failed + BASH_REMATCH[2]))
    else
        fail "$* did not finish"
    fi
}

# Whether something accepts connections on 127.0.0.1:$1.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A port nothing listens on, below the range of ephemeral ports (where an outgoing
# connection may hold it). It may still be taken by the time it is used: callers retry.
free_port() {
    local port low
    low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
    for _ in $(seq 100); do
        port=$((10000 + RANDOM % (low - 10000)))
        listening "$port" || { echo "$port"; return; }
    done
    echo 0
}

# Waits up to $2 tenths of a second for the command $1 to succeed (checked every 20 ms).
wait_for() {
    for _ in $(seq $(($2 * 5))); do
        eval "$1" && return 0
        sleep 0.02
    done
    return 1
}

if ! $cc -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude -o "$bin/kclient" \
    nginx/tests/kclient.c -L"$lib" -lketama; then
    echo "kclient.c does not compile"
    echo "0 passed, 1 failed"
    exit 1
fi
kclient=$bin/kclient

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
user_opt=()
[ "$(id -u)" = 0 ] && user_opt=(-u nobody)
for i in 0 1 2 3; do
    for _ in $(seq 20); do
        port=$(free_port)
        memcached -l 127.0.0.1 -p "$port" -U 0 -t 1 -m 32 "${user_opt[@]}" \
            >"$scratch/memcached$i.log" 2>&1 &
        pid=$!
        if wait_for "listening $port || ! kill -0 $pid 2>/dev/null" 50 && kill -0 "$pid" 2>/dev/null
        then
            pids+=("$pid")
            mc_pids+=("$pid")
            ports+=("$port")
            break
        fi
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
done
if [ ${#ports[@]} -ne 4 ]; then
    echo "cannot start four memcached on loopback ports"
    echo "0 passed, 1 failed"
    exit 1
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

# A location /$1/KEY that looks for KEY in upstream $2, with the directive $3 if given.
location_to() {
    echo "        location ~ ^/$1(?<key>/.*)\$ {"
    echo "            set \$memcached_key \$key;"
    echo "            memcached_pass $2;"
    [ -n "${3:-}" ] && echo "            $3"
    echo "        }"
}

# The scaffolding around an http{} body: the module, logs and temporary files in $1.
write_conf() { # $1: directory, $2: worker processes; the http body on stdin
    mkdir -p "$1/tmp"
    {
        echo "load_module $module;"
        echo "worker_processes $2;"
        echo "error_log $1/error.log notice;"
        echo "pid $1/nginx.pid;"
        echo "events { worker_connections 256; }"
        echo "http {"
        echo "    access_log off;"
        for t in client_body proxy fastcgi uwsgi scgi; do
            echo "    ${t}_temp_path $1/tmp/$t;"
        done
        cat
        echo "}"
    } >"$1/nginx.conf"
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

    /usr/sbin/nginx -p "$scratch/run" -c "$scratch/run/nginx.conf" -g 'daemon off;' \
        >"$scratch/run/stderr" 2>&1 &
    nginx_pid=$!
    pids+=("$nginx_pid")
    wait_for "(listening $test_port && listening $http_port) || ! kill -0 $nginx_pid 2>/dev/null" \
        100
    if kill -0 "$nginx_pid" 2>/dev/null && listening "$test_port" && listening "$http_port"; then
        return 0
    fi
    kill "$nginx_pid" 2>/dev/null
    wait "$nginx_pid" 2>/dev/null
    return 1
}

started=no
for _ in 1 2 3 4 5; do
    start_nginx && { started=yes; break; }
done
if [ $started = yes ]; then ok
else
    fail "nginx did not start"
    cat "$scratch/run/stderr" "$scratch/run/error.log" 2>/dev/null | tail -n 20
    echo "$passed passed, $failed failed"
    exit 1
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
reloads=0
# Sends SIGHUP and waits for the new workers to start and the old ones ($2 of them) to exit.
reload() { # $1: master pid, $2: worker processes, $3: its error log
    local exited
    exited=$(grep -c 'worker process [0-9]* exited' "$3")
    kill -HUP "$1"
    wait_for "[ \$(grep -c 'worker process [0-9]* exited' '$3') -ge $((exited + $2)) ]" 100
}

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
kill "${mc_pids[1]}"
wait "${mc_pids[1]}" 2>/dev/null
if ! listening "${ports[1]}"; then ok; else fail "memcached on ${ports[1]} still answers"; fi
tally "$kclient" fetch "$ring" /key/ 10000 "$tp" /failover failover "$dead"
tally "$kclient" fetch "$ring" /key/ 10000 "$tp" /strict strict "$dead"
tally "$kclient" fetch "$long_ring" /alike/ 2000 "$tp" /long failover "$long_prefix:${ports[1]}"

kill -QUIT "$nginx_pid"
if wait_for "! kill -0 $nginx_pid 2>/dev/null" 100; then ok; else fail "nginx did not stop"; fi
if grep -E '\[(alert|crit)\]|signal 11|core dumped' "$scratch/run/error.log"; then
    fail "nginx logged alerts or crashed (above)"
else ok; fi

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

# Extremes: weights at nginx's limit, a sum past the library's, 3,000 servers, long names,
# the same server twice. None may crash; each passes or is refused with the library's words.
nginx_t 'syntax is ok' '' "the largest weight nginx takes" <<EOF
    upstream u {
        ketama \$uri;
        server 127.0.0.1:1 weight=9223372036854775807;
        server 127.0.0.1:2 weight=1;
    }
EOF
for p in 1 2 3; do echo "127.0.0.1:$p 9223372036854775807"; done >"$scratch/huge.list"
nginx_t "ketama: $("$kclient" error "list:$scratch/huge.list")" 'ketama $' \
    "weights whose sum overflows" <<EOF
    upstream u {
        ketama \$uri;
        server 127.0.0.1:1 weight=9223372036854775807;
        server 127.0.0.1:2 weight=9223372036854775807;
        server 127.0.0.1:3 weight=9223372036854775807;
    }
EOF
many=$(for p in $(seq 30001 33000); do
    echo "        server 127.0.0.1:$p weight=$((p % 7 + 1));"
done)
nginx_t 'syntax is ok' '' "3,000 servers" <<EOF
    upstream u {
        ketama \$uri;
$many
    }
EOF
zeros=$(printf '0%.0s' $(seq 400))
long=$(for p in $(seq 30001 30200); do echo "        server ${zeros}127.0.0.1:$p;"; done)
nginx_t 'syntax is ok' '' "200 servers of 400-byte names alike in their first 22 bytes" <<EOF
    upstream u {
        ketama \$uri;
$long
    }
EOF
nginx_t 'syntax is ok' '' "the same server twice" <<EOF
    upstream u {
        ketama \$uri;
        $srv
        $srv
    }
EOF

echo "[$SECONDS s] nginx -t"
# --- 100 reloads of two 500-server upstreams: the master must not grow ---
mkdir -p "$scratch/leak"
for p in $(seq 40001 40500); do
    echo "127.0.0.1:$p $((p % 5 + 1))00"
done >"$scratch/leak/big.servers"
write_conf "$scratch/leak" 1 <<EOF
    upstream big {
        ketama \$uri;
$(for p in $(seq 40001 40500); do echo "        server 127.0.0.1:$p weight=$((p % 5 + 1))00;"; done)
    }
    upstream big_file {
        ketama \$uri file=$scratch/leak/big.servers;
$(for p in $(seq 40001 40500); do echo "        server 127.0.0.1:$p;"; done)
    }
EOF
/usr/sbin/nginx -p "$scratch/leak" -c "$scratch/leak/nginx.conf" -g 'daemon off;' \
    >"$scratch/leak/stderr" 2>&1 &
leak_pid=$!
pids+=("$leak_pid")
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
if wait_for "grep -q 'start worker process' '$scratch/leak/error.log' 2>/dev/null" 100; then
    done_reloads=0
    for i in $(seq 100); do
        reload "$leak_pid" 1 "$scratch/leak/error.log" || break
        done_reloads=$i
        [ "$i" -eq 20 ] && rss20=$(rss "$leak_pid")
    done
    rss100=$(rss "$leak_pid")
    growth=$((rss100 - ${rss20:-0}))
    echo "reloads: $done_reloads; master RSS ${rss20:-?} KiB after 20, $rss100 KiB after 100"
    # Each configuration holds two continua of some 79,000 points (2.2 MiB each, and
    # 0.3 MiB of owners); kept by a leak, 80 reloads would add hundreds of MiB.
    if [ "$done_reloads" -eq 100 ] && [ "$growth" -lt 10240 ]; then ok
    else fail "after $done_reloads reloads the master grew by $growth KiB"; fi
else
    fail "nginx with 500-server upstreams did not start"
    tail -n 5 "$scratch/leak/stderr"
fi
kill -QUIT "$leak_pid"
if wait_for "! kill -0 $leak_pid 2>/dev/null" 100; then ok; else fail "nginx did not stop"; fi

echo "[$SECONDS s] 100 reloads"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
