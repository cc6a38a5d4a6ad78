# shellcheck shell=bash
# What the nginx suites (nginx/test.sh, nginx/tests/fleet.sh, nginx/tests/load.sh) and the
# nginx benchmark (bench/nginx.sh) share: the tally, free ports, bounded waits, memcached
# pools on loopback addresses, nginx configurations, reloads. Every process is started by a
# function here that records its pid in `pids`; the EXIT trap stops them all by pid and
# removes the scratch directory, pass or fail.
#
# The sourcing script sets `module` (the module's .so) before it calls write_conf, and runs
# from the top of the tree.

scratch=$(mktemp -d /tmp/ketama-nginx.XXXXXX)
chmod 755 "$scratch"
pids=()
passed=0
failed=0

ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# Signals $1 with $2 unless it has exited: a pid of ours that exited may since belong to
# another process.
signal_ours() {
    case " $(jobs -pr | tr '\n' ' ') " in
    *" $1 "*) kill -"$2" "$1" 2>/dev/null ;;
    esac
}

cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        signal_ours "$pid" TERM
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null
    done
    rm -rf "$scratch"
}
trap cleanup EXIT

# Stops process $1, one of pids, with signal $2 (TERM) unless it has exited, waits for it,
# and forgets it.
stop_pid() {
    local pid keep=()
    signal_ours "$1" "${2:-TERM}"
    wait "$1" 2>/dev/null
    for pid in "${pids[@]}"; do
        [ "$pid" = "$1" ] || keep+=("$pid")
    done
    pids=("${keep[@]}")
}

# Prints the closing "N passed, N failed" and exits with the status it tells.
summary() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

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

# Whether something accepts connections on $2:$1 (host 127.0.0.1 by default).
listening() { (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; }

# A port nothing listens on at $1 (127.0.0.1), below the range of ephemeral ports (where an
# outgoing connection may hold it). It may still be taken by the time it is used: callers
# retry.
free_port() {
    local port low
    low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
    for _ in $(seq 100); do
        port=$((10000 + RANDOM % (low - 10000)))
        listening "$port" "${1:-127.0.0.1}" || { echo "$port"; return; }
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

# Runs "$3..." in the background, its output in file $1, and records its pid in bg_pid and
# pids; fails, leaving nothing running, unless the command $2 succeeds within 10 s while it
# runs.
start_bg() {
    local log=$1 up=$2
    shift 2
    "$@" >"$log" 2>&1 &
    bg_pid=$!
    if wait_for "$up || ! kill -0 $bg_pid 2>/dev/null" 100 && kill -0 "$bg_pid" 2>/dev/null
    then
        pids+=("$bg_pid")
        return 0
    fi
    kill "$bg_pid" 2>/dev/null
    wait "$bg_pid" 2>/dev/null
    return 1
}

# Starts a memcached on $1:$2 (log in $3) and records its pid in mc_pid and pids; fails,
# leaving nothing running, when the address is taken or it does not listen within 10 s.
start_memcached() {
    local user_opt=()
    [ "$(id -u)" = 0 ] && user_opt=(-u nobody)
    listening "$2" "$1" && return 1
    start_bg "$3" "listening $2 $1" memcached -l "$1" -p "$2" -U 0 -t 1 -m 32 "${user_opt[@]}" ||
        return 1
    mc_pid=$bg_pid
}

# A fleet of memcached as the issue's tests want it: on 127.A.B.x addresses of a /24 picked
# at random (port 11211 free there, whatever other tests on the machine run), three of them
# on port 11211 and two on other ports, of unequal weights. Sets pool (the addresses,
# host:port), pool_weight, pool_pid, pool_net (127.A.B) and writes "$scratch/pool.list"
# (`ADDRESS WEIGHT` lines, kclient's list: and the writers' format). Tries 10 networks.
start_pool() {
    local i net host port try
    local weights=(600 300 1000 800 200)
    for try in $(seq 10); do
        net=127.$((100 + RANDOM % 150)).$((RANDOM % 256))
        pool=() pool_weight=() pool_pid=()
        for i in 0 1 2 3 4; do
            host=$net.$((i < 3 ? i + 1 : 3))
            port=11211
            [ "$i" -ge 3 ] && port=$(free_port "$host")
            start_memcached "$host" "$port" "$scratch/memcached-$try-$i.log" || break
            pool+=("$host:$port")
            pool_weight+=("${weights[$i]}")
            pool_pid+=("$mc_pid")
        done
        if [ ${#pool[@]} -eq 5 ]; then
            pool_net=$net
            for i in 0 1 2 3 4; do echo "${pool[$i]} ${pool_weight[$i]}"; done \
                >"$scratch/pool.list"
            echo "memcached pool: ${pool[*]} (weights ${pool_weight[*]})"
            return 0
        fi
        for i in "${pool_pid[@]}"; do
            stop_pid "$i"
        done
    done
    return 1
}

# The upstream servers of the pool, with their weights unless $1 is "file".
pool_servers() {
    local i
    for i in "${!pool[@]}"; do
        if [ "${1:-}" = file ]; then
            echo "        server ${pool[$i]};"
        else
            echo "        server ${pool[$i]} weight=${pool_weight[$i]};"
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
        echo "events { worker_connections 1024; }"
        echo "http {"
        echo "    access_log off;"
        for t in client_body proxy fastcgi uwsgi scgi; do
            echo "    ${t}_temp_path $1/tmp/$t;"
        done
        cat
        echo "}"
    } >"$1/nginx.conf"
}

# Starts nginx on the configuration of directory $1 and records its pid in nginx_pid and
# pids; fails, leaving nothing running, unless within 10 s it listens on port $2 of
# 127.0.0.1 (without $2: it has started a worker).
start_nginx_in() {
    local up="grep -q 'start worker process' '$1/error.log' 2>/dev/null"
    [ -n "${2:-}" ] && up="listening $2"
    if start_bg "$1/stderr" "$up" /usr/sbin/nginx -p "$1" -c "$1/nginx.conf" -g 'daemon off;'
    then
        nginx_pid=$bg_pid
        return 0
    fi
    tail -n 5 "$1/stderr" "$1/error.log" 2>/dev/null
    return 1
}

# Runs the function $1, which starts nginx on ports it picks, up to five times (a port may be
# taken by the time nginx binds it); fails when nginx never starts.
start_with_retries() {
    for _ in 1 2 3 4 5; do
        "$1" && return 0
    done
    return 1
}

# Sends SIGHUP and waits for the new workers to start and the old ones ($2 of them) to exit.
reload() { # $1: master pid, $2: worker processes, $3: its error log
    local exited
    exited=$(grep -c 'worker process [0-9]* exited' "$3")
    kill -HUP "$1"
    wait_for "[ \$(grep -c 'worker process [0-9]* exited' '$3') -ge $((exited + $2)) ]" 100
}

# Stops nginx $1 gracefully; fails when it takes more than 10 s (it is then killed).
stop_nginx() {
    local status=0
    kill -QUIT "$1"
    wait_for "! kill -0 $1 2>/dev/null" 100 || status=1
    stop_pid "$1" KILL
    return $status
}

# Resident memory of process $1, in KiB.
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# Whether error log $1 is free of alerts and crashes (those found are printed).
no_alerts() { ! grep -E '\[(alert|crit)\]|signal 11|core dumped' "$1"; }
