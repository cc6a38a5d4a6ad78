# shellcheck shell=bash
# nginx under load while its configuration is reloaded every second: what the reload test
# (nginx/tests/load.sh) and the benchmark (bench/nginx.sh) share. Sourced after common.sh.
#
# The pool of start_pool holds one key, /load/key, on every server, so that any balancer
# finds it wherever it looks; nginx serves it through three locations on one port, each
# upstream keeping up to 16 idle connections to memcached (without them each request opens
# one, and 50,000 connections to one memcached in seconds leave its ports in TIME_WAIT: that
# server then answers at half the rate, whichever balancer sends to it):
#   /ketama/load/key   the module, `ketama $memcached_key flavor=...` (the flavor switched
#                      between libmemcached and twemproxy at each reload)
#   /chash/load/key    nginx's own `hash $memcached_key consistent`
#   /static            `return 200` without any upstream (the floor: what a reload costs
#                      any request)
# load_ab runs Debian's `ab` (apache2-utils) against one of them.

load_key=/load/key

# Stores $load_key on every server of the pool; fails if one does not take it.
store_everywhere() {
    local a reply
    for a in "${pool[@]}"; do
        reply=
        {
            exec 3<>"/dev/tcp/${a%:*}/${a##*:}" &&
                printf 'set %s 0 0 5\r\nvalue\r\n' "$load_key" >&3 &&
                read -r -t 5 reply <&3
            exec 3>&-
        } 2>/dev/null
        [[ $reply == STORED* ]] || return 1
    done
}

# The configuration of $load_dir with the module's upstream in flavor $1.
load_conf() {
    write_conf "$load_dir" 2 <<EOF
    upstream ketama {
        ketama \$memcached_key flavor=$1;
$(pool_servers)
        keepalive 16;
    }
    upstream chash {
        hash \$memcached_key consistent;
$(pool_servers)
        keepalive 16;
    }
    server {
        listen 127.0.0.1:$load_port;
$(location_to ketama ketama)
$(location_to chash chash)
        location = /static { return 200 "value"; }
    }
EOF
}

# Starts nginx on load_conf, in $scratch/load on a free port (load_port), pid in nginx_pid.
start_load_nginx() {
    load_dir=$scratch/load
    mkdir -p "$load_dir"
    start_with_retries load_nginx_once
}

load_nginx_once() {
    load_port=$(free_port)
    load_conf libmemcached
    start_nginx_in "$load_dir" "$load_port"
}

# Reloads nginx every second, switching the module's flavor, until $scratch/reloading is
# removed (at most $1 times); counts its reloads in $scratch/reloads. Pid in reloader_pid.
start_reloader() {
    touch "$scratch/reloading"
    echo 0 >"$scratch/reloads"
    (
        flavors=(twemproxy libmemcached)
        for i in $(seq "$1"); do
            sleep 1
            [ -f "$scratch/reloading" ] || break
            load_conf "${flavors[$((i % 2))]}"
            kill -HUP "$nginx_pid" || break
            echo "$i" >"$scratch/reloads"
        done
    ) &
    reloader_pid=$!
    pids+=("$reloader_pid")
}

# Stops the reloader (within the second it sleeps); prints how many reloads it made.
stop_reloader() {
    rm -f "$scratch/reloading"
    wait_for "! kill -0 $reloader_pid 2>/dev/null" 30
    stop_pid "$reloader_pid"
    cat "$scratch/reloads"
}

# Runs ab on location $1 in the background (pid in ab_pid, report in $scratch/ab-$2): $3
# requests at concurrency $4, then ab's own options ("-k" for keep-alive). ab -r goes on
# after a failed receive, so that every failure is counted; bounded to 300 s.
load_ab() {
    local location=$1 name=$2 n=$3 c=$4
    shift 4
    timeout 300 ab -r -s 10 -n "$n" -c "$c" "$@" -e "$scratch/ab-$name.csv" \
        "http://127.0.0.1:$load_port$location" >"$scratch/ab-$name" 2>&1 &
    ab_pid=$!
    pids+=("$ab_pid")
}

# Waits for ab $1 (a pid of load_ab) and forgets it; its exit status.
wait_ab() {
    local status
    wait "$1"
    status=$?
    stop_pid "$1"
    return $status
}

# A figure of ab's report $1: "complete", "failed", "non2xx", "rps", or a percentile
# "pNN" of the time a request took, in ms.
ab_figure() {
    case $2 in
    complete) awk '/^Complete requests:/ {print $3}' "$scratch/ab-$1" ;;
    failed) awk '/^Failed requests:/ {print $3}' "$scratch/ab-$1" ;;
    non2xx) awk '/^Non-2xx responses:/ {n = $3} END {print n + 0}' "$scratch/ab-$1" ;;
    rps) awk '/^Requests per second:/ {print $4}' "$scratch/ab-$1" ;;
    p*) awk -F, -v p="${2#p}" '$1 == p {print $2}' "$scratch/ab-$1.csv" ;;
    esac
}
