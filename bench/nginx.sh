#!/usr/bin/env bash
# nginx with the module beside nginx's own `hash consistent`, on the same five-memcached pool
# in the same run (make nginx-bench, part of make bench): requests per second and the time
# a request takes (ab's percentiles, ms) for one key served through each, by Debian's `ab`.
#
#   1. no reloads, keep-alive (ab -k): the module, then hash consistent, REPS times in turn
#      (after a warm-up of each); the ratio is of the medians
#   2. reloads every second (each switching the module's flavor), keep-alive: the module,
#      hash consistent and `return 200` (no upstream) loaded at once for SECONDS, under the
#      same reloads
#   3. the same without keep-alive (a connection a request)
#
# Both upstreams keep idle connections to memcached (nginx/tests/load-common.sh says why).
# Failed requests are ab's count. Under reloads with keep-alive every location fails some,
# `return 200` too: connections idle between two requests that the old workers close as
# `ab` sends on them (ab does not retry); without keep-alive none fails (nginx/tests/load.sh
# asserts it for the module). Ratios are the module's figure over hash consistent's.
#
# Usage: bench/nginx.sh LIBDIR MODULE [REQUESTS [CONCURRENCY [REPS [SECONDS]]]]
# (defaults 50000, 64, 3, 8). Every process is stopped by its pid at the end.
set -u
cd "$(dirname "$0")/.."
lib=$(cd "$1" && pwd)
module=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
requests=${3:-50000}
concurrency=${4:-64}
reps=${5:-3}
seconds=${6:-8}
# shellcheck source=nginx/tests/common.sh
source nginx/tests/common.sh
# shellcheck source=nginx/tests/load-common.sh
source nginx/tests/load-common.sh
export LD_LIBRARY_PATH="$lib"

command -v ab >/dev/null || { echo "nginx bench: install apache2-utils (ab)"; exit 1; }
start_pool >/dev/null && store_everywhere || { echo "nginx bench: no memcached pool"; exit 1; }
start_load_nginx || { echo "nginx bench: nginx did not start"; exit 1; }

echo "nginx bench: ab, one key, concurrency $concurrency; $requests requests a run without" \
    "reloads, $seconds s with"
printf '%-34s %-8s %10s %8s %8s %8s %8s %7s\n' phase balancer "requests/s" "p50 ms" \
    "p90 ms" "p99 ms" "max ms" failed
row() { # $1 phase, $2 name of the run
    local name=${2%%.*}
    [ "$name" = ketama ] && name=module
    [ "$name" = chash ] && name="hash"
    [ "$name" = static ] && name="return"
    printf '%-34s %-8s %10.0f %8s %8s %8s %8s %7s\n' "$1" "$name" "$(ab_figure "$2" rps)" \
        "$(ab_figure "$2" p50)" "$(ab_figure "$2" p90)" "$(ab_figure "$2" p99)" \
        "$(ab_figure "$2" p100)" "$(( $(ab_figure "$2" failed) + $(ab_figure "$2" non2xx) ))"
}
# The median requests/s of the runs of $1 in file $2 ("NAME RPS" lines).
median() {
    awk -v n="$1" '$1 == n {print $2}' "$2" | sort -n |
        awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}
# The median requests/s of the module's runs and of hash consistent's in file $2, and their
# ratio.
ratio() {
    awk -v l="$1" -v a="$(median ketama "$2")" -v b="$(median chash "$2")" 'BEGIN {
        printf "  %s: module/hash consistent %.2f (%.0f vs %.0f requests/s)\n", l, a / b, a, b }'
}

# 1. no reloads, one balancer at a time, after a warm-up of each
for name in ketama chash; do
    load_ab "/$name$load_key" "$name.warm" "$((requests / 10))" "$concurrency" -k
    wait_ab "$ab_pid"
done
for rep in $(seq "$reps"); do
    for name in ketama chash; do
        load_ab "/$name$load_key" "$name.$rep" "$requests" "$concurrency" -k
        wait_ab "$ab_pid"
        row "no reloads, keep-alive" "$name.$rep"
        echo "$name $(ab_figure "$name.$rep" rps)" >>"$scratch/steady"
    done
done
ratio "no reloads, keep-alive" "$scratch/steady"

# 2, 3. reloads every second, the three locations loaded at once for as long
for mode in keep-alive close; do
    opt=(-t "$seconds" -n 100000000)
    [ $mode = keep-alive ] && opt+=(-k)
    start_reloader 600
    running=()
    for name in ketama chash static; do
        location=/$name$load_key
        [ $name = static ] && location=/static
        load_ab "$location" "$name.$mode" "$requests" "$concurrency" "${opt[@]}"
        running+=("$ab_pid")
    done
    for pid in "${running[@]}"; do wait_ab "$pid"; done
    reloads=$(stop_reloader)
    for name in ketama chash static; do
        row "$reloads reloads in ${seconds} s, $mode" "$name.$mode"
        echo "$name $(ab_figure "$name.$mode" rps)" >>"$scratch/$mode"
    done
    ratio "reloads, $mode" "$scratch/$mode"
done
stop_nginx "$nginx_pid"
