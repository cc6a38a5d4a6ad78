#!/usr/bin/env bash
# Mixed fleets end to end (issue 22): real clients of other ecosystems write into a pool of
# memcached on loopback, and nginx with the module, told the writer's flavor, serves every
# key from where the writer put it. The pool: five memcached on 127.A.B.x addresses of a
# random /24 (three on port 11211), weights 600, 300, 1000, 800, 200; 5,000 keys a writer,
# each stored with the key as its value. A key is found when nginx answers 200 with that
# value from the server the library names for the flavor (kclient -k fetch ... hit).
#
#   1. php-memcached with OPT_LIBKETAMA_COMPATIBLE writes: the mixed-fleet recipe of docs/nginx.md
#      (nginx/fleet.conf, its servers made the pool's) finds every key; so do
#      `ketama $key flavor=libmemcached` and `file=` of the same servers with the alias
#      flavor=php-memcached; nginx's own `hash $key consistent` on the same pool finds a
#      share, printed, and sends every key where the library's `nginx` flavor says, as
#      `ketama $key flavor=nginx` does
#   2. the npm memcached client writes: flavor=node-memcached finds every key
#   3. twemproxy (nutcracker, its default hash fnv1a_64) in front of the pool writes:
#      flavor=twemproxy finds every key, reading the servers directly
#   4. one memcached stopped (the second, or the first after it holding twemproxy's keys):
#      its keys are looked for on the server the flavor's ring leads to next (404 from
#      there), every other key still found (libmemcached, twemproxy)
#
# Each writer's keys are counted on the servers (memcached's total_items): all of them
# stored, on every server (twemproxy: on two or more, as its fnv1a_64 leaves runs of similar
# keys such as these together, so a server of small weight can get none of 5,000). A writer
# whose tools are missing is skipped, saying what to install. Every process started here is
# stopped by its pid, pass or fail; every wait and every writer is bounded in time.
# Usage: nginx/tests/fleet.sh LIBDIR MODULE KCLIENT. Closes with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
lib=$(cd "$1" && pwd)
module=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
kclient=$3
# shellcheck source=nginx/tests/common.sh
source nginx/tests/common.sh
export LD_LIBRARY_PATH="$lib"
keys=5000

if ! start_pool; then
    fail "cannot start the memcached pool on loopback"
    summary
fi
list=$scratch/pool.list
# the same servers as a libketama server file, for file=
awk '{printf "%s\t%s\n", $1, $2}' "$list" >"$scratch/pool.servers"

# The mixed-fleet recipe of docs/nginx.md (the first nginx block of its "Mixed fleets"
# section) is nginx/fleet.conf, run here.
doc_block=$(awk '/^## Mixed fleets/ {s = 1} s && /^```nginx$/ {f = 1; next} /^```$/ && f {exit} f' \
    docs/nginx.md)
if [ "$doc_block" = "$(cat nginx/fleet.conf)" ]; then ok
else fail "docs/nginx.md's mixed-fleet nginx block is not nginx/fleet.conf"; fi
recipe_weights=$(sed -n 's/^ *server .* weight=\([0-9]*\);$/\1/p' nginx/fleet.conf | tr '\n' ' ')
if [ "$recipe_weights" = "${pool_weight[*]} " ]; then ok
else fail "nginx/fleet.conf's weights ($recipe_weights) are not the pool's (${pool_weight[*]})"; fi

# nginx/fleet.conf on the pool: its server lines become the pool's servers in turn, `listen
# 80` a port of the test's; its `include fastcgi_params` finds Debian's (or an empty file).
recipe_conf() {
    awk -v servers="${pool[*]}" -v port="$recipe_port" '
        BEGIN { split(servers, pool, " ") }
        /^ *server [0-9.]+:[0-9]+ weight=/ { sub(/[0-9.]+:[0-9]+/, pool[++i]) }
        /^ *listen 80;$/ { sub(/80/, "127.0.0.1:" port) }
        { print }' nginx/fleet.conf >"$scratch/run/fleet.conf"
    cp /etc/nginx/fastcgi_params "$scratch/run/" 2>/dev/null || : >"$scratch/run/fastcgi_params"
}

# --- nginx: the recipe, one upstream a flavor, and nginx's own consistent hash ---
start_fleet_nginx() {
    http_port=$(free_port)
    recipe_port=$(free_port)
    mkdir -p "$scratch/run"
    recipe_conf
    write_conf "$scratch/run" 2 <<EOF
    include $scratch/run/fleet.conf;
    upstream libmemcached {
        ketama \$memcached_key flavor=libmemcached;
$(pool_servers)
    }
    upstream libmemcached_file {
        ketama \$memcached_key file=$scratch/pool.servers flavor=php-memcached;
$(pool_servers file)
    }
    upstream node {
        ketama \$memcached_key flavor=node-memcached;
$(pool_servers)
    }
    upstream twemproxy {
        ketama \$memcached_key flavor=twemproxy;
$(pool_servers)
    }
    upstream nginx_flavor {
        ketama \$memcached_key flavor=nginx;
$(pool_servers)
    }
    upstream chash {
        hash \$memcached_key consistent;
$(pool_servers)
    }
    server {
        listen 127.0.0.1:$http_port;
        add_header X-Upstream \$upstream_addr always;
$(location_to libmemcached libmemcached)
$(location_to libmemcached-file libmemcached_file)
$(location_to node node)
$(location_to twemproxy twemproxy)
$(location_to nginx-flavor nginx_flavor)
$(location_to chash chash)
    }
EOF
    # nginx opens every listening socket before it starts a worker
    start_nginx_in "$scratch/run" "$http_port" && listening "$recipe_port"
}
if ! start_with_retries start_fleet_nginx; then
    fail "nginx did not start"
    summary
fi
hp=127.0.0.1:$http_port

# Each server's total_items, in the pool's order.
items() { "$kclient" items "${pool[@]}" | awk '{print $2}' | tr '\n' ' '; }

# Runs the writer "$3..." (named $1) bounded in time, then checks that it stored $keys keys,
# some on $2 servers of the pool or more; each server's share is left in `spread`.
write_keys() {
    local name=$1 least=$2 before after i d total=0 holding=0
    shift 2
    spread=()
    read -ra before <<<"$(items)"
    if ! timeout 120 "$@"; then
        fail "$name: the writer failed"
        return 1
    fi
    read -ra after <<<"$(items)"
    for i in "${!pool[@]}"; do
        d=$((after[i] - before[i]))
        spread+=("$d")
        total=$((total + d))
        [ "$d" -eq 0 ] || holding=$((holding + 1))
    done
    echo "$name: keys a server: ${spread[*]}"
    if [ "$total" -eq "$keys" ] && [ "$holding" -ge "$least" ]; then ok
    else
        fail "$name: $total keys stored of $keys, on $holding servers (at least $least):" \
            "${spread[*]}"
    fi
}

# --- 1. php-memcached writes ---
php_done=no
if ! php -r 'exit(extension_loaded("memcached") ? 0 : 1);' 2>/dev/null; then
    echo "SKIP: php-memcached writes: install the Debian packages php-cli and php-memcached"
elif write_keys php-memcached ${#pool[@]} php nginx/tests/php_writer.php "$list" /php/ "$keys"; then
    tally "$kclient" -k fetch "libmemcached@list:$list" /php/ "$keys" "127.0.0.1:$recipe_port" \
        "" hit
    tally "$kclient" -k fetch "libmemcached@list:$list" /php/ "$keys" "$hp" /libmemcached hit
    tally "$kclient" -k fetch "libmemcached@file:$scratch/pool.servers" /php/ "$keys" "$hp" \
        /libmemcached-file hit
    "$kclient" -k fetch "libmemcached@list:$list" /php/ "$keys" "$hp" /chash contrast |
        grep '^fetch' | sed 's/^/contrast, nginx'\''s own hash consistent: /'
    tally "$kclient" -k fetch "nginx@list:$list" /php/ "$keys" "$hp" /chash route
    tally "$kclient" -k fetch "nginx@list:$list" /php/ "$keys" "$hp" /nginx-flavor route
    php_done=yes
fi
echo "[$SECONDS s] php-memcached"

# --- 2. the npm memcached client writes ---
node_client=clients/node-memcached/node_modules/memcached/package.json
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "SKIP: npm memcached writes: install the Debian packages nodejs and npm"
elif [ ! -f "$node_client" ] &&
    ! (cd clients/node-memcached && timeout 300 npm ci --no-audit --no-fund >/dev/null 2>&1)
then
    echo "SKIP: npm memcached writes: 'npm ci' in clients/node-memcached failed" \
        "(the npm package memcached, pinned there)"
else
    write_keys "npm memcached" ${#pool[@]} node nginx/tests/node_writer.js "$list" /node/ "$keys" &&
        tally "$kclient" -k fetch "node-memcached@list:$list" /node/ "$keys" "$hp" /node hit
fi
echo "[$SECONDS s] npm memcached"

# --- 3. twemproxy writes ---
nutcracker=$(command -v nutcracker || echo /usr/sbin/nutcracker)
twem_done=no
if [ ! -x "$nutcracker" ]; then
    echo "SKIP: twemproxy writes: install the Debian package nutcracker"
elif [ $php_done = no ]; then
    echo "SKIP: twemproxy writes: its writer is php-memcached (php-cli, php-memcached)"
else
    # The pool as nutcracker is told it: `host:port:weight`, hash left at its default.
    twem_port=$(free_port)
    {
        echo "fleet:"
        echo "  listen: 127.0.0.1:$twem_port"
        echo "  distribution: ketama"
        echo "  auto_eject_hosts: false"
        echo "  timeout: 2000"
        echo "  servers:"
        for i in "${!pool[@]}"; do echo "   - ${pool[$i]}:${pool_weight[$i]}"; done
    } >"$scratch/nutcracker.yml"
    if start_bg "$scratch/nutcracker.out" "listening $twem_port" "$nutcracker" \
        -c "$scratch/nutcracker.yml" -o "$scratch/nutcracker.log" -p "$scratch/nutcracker.pid" \
        -s "$(free_port)" -a 127.0.0.1; then
        twem_pid=$bg_pid
        # a PHP application writing through the proxy, its only server
        echo "127.0.0.1:$twem_port 1" >"$scratch/proxy.list"
        if write_keys twemproxy 2 php nginx/tests/php_writer.php "$scratch/proxy.list" /twem/ \
            "$keys"; then
            tally "$kclient" -k fetch "twemproxy@list:$list" /twem/ "$keys" "$hp" /twemproxy hit
            twem_done=yes
            twem_spread=("${spread[@]}")
        fi
        stop_pid "$twem_pid"
    else
        fail "nutcracker did not start"
        tail -n 5 "$scratch/nutcracker.out" "$scratch/nutcracker.log"
    fi
fi
echo "[$SECONDS s] twemproxy"

# --- 4. one memcached stopped: the flavor's ring walked past it ---
# The second server, or the first after it that holds some of twemproxy's keys (every server
# holds some of php-memcached's).
stopped=1
if [ $twem_done = yes ]; then
    for i in $(seq 1 $((${#pool[@]} - 1))) 0; do
        if [ "${twem_spread[$i]}" -gt 0 ]; then stopped=$i; break; fi
    done
fi
dead=${pool[$stopped]}
stop_pid "${pool_pid[$stopped]}"
if ! listening "${dead##*:}" "${dead%:*}"; then ok; else fail "memcached $dead still answers"; fi
if [ $php_done = yes ]; then
    tally "$kclient" -k fetch "libmemcached@list:$list" /php/ "$keys" "$hp" /libmemcached \
        failover "$dead"
fi
if [ $twem_done = yes ]; then
    tally "$kclient" -k fetch "twemproxy@list:$list" /twem/ "$keys" "$hp" /twemproxy \
        failover "$dead"
fi

if stop_nginx "$nginx_pid"; then ok; else fail "nginx did not stop"; fi
if no_alerts "$scratch/run/error.log"; then ok; else fail "nginx logged alerts (above)"; fi
echo "[$SECONDS s] failover"
summary
