#!/usr/bin/env bash
# Reloads under load (issue 22): nginx with the module serves a key from a five-memcached
# pool to Debian's `ab` (50,000 requests at concurrency 64, again until 3 reloads or more
# happened during the rounds, 4 rounds at most) while its configuration is reloaded every
# second, each reload switching the module's flavor; nginx's own `hash consistent` serves
# the same key from the same pool to another `ab` at the same time, under the same reloads.
# No request to the module may fail, nor answer other than 200: every connection is one
# request (no keep-alive), which a reload finishes in the old worker. (With `ab -k` both
# balancers, and `return 200` alike, lose about a request a connection at each reload:
# keep-alive connections that the old workers close while `ab` is sending on them, which
# `ab` does not retry; bench/nginx.sh measures them, docs/nginx.md explains.)
#
# Usage: nginx/tests/load.sh LIBDIR MODULE [REQUESTS]. Closes with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
lib=$(cd "$1" && pwd)
module=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
requests=${3:-50000}
# shellcheck source=nginx/tests/common.sh
source nginx/tests/common.sh
# shellcheck source=nginx/tests/load-common.sh
source nginx/tests/load-common.sh
export LD_LIBRARY_PATH="$lib"

if ! command -v ab >/dev/null; then
    echo "SKIP: reloads under load: install the Debian package apache2-utils (ab)"
    summary
fi
if ! start_pool || ! store_everywhere; then
    fail "cannot start the memcached pool on loopback, or store $load_key"
    summary
fi
if ! start_load_nginx; then
    fail "nginx did not start"
    summary
fi

# Rounds of the two ab at once, until the reloads during them number 3 at least (a fast
# machine serves 50,000 requests in less than 3 s), 4 rounds at most.
start_reloader 300
declare -A total=()
for round in 1 2 3 4; do
    load_ab "/ketama$load_key" "ketama.$round" "$requests" 64
    ketama_ab=$ab_pid
    load_ab "/chash$load_key" "chash.$round" "$requests" 64
    chash_ab=$ab_pid
    wait_ab "$ketama_ab" || fail "ab on the module did not finish (status $?)"
    wait_ab "$chash_ab" || fail "ab on hash consistent did not finish (status $?)"
    for name in ketama chash; do
        for figure in complete failed non2xx; do
            n=$(ab_figure "$name.$round" $figure)
            total[$name.$figure]=$((${total[$name.$figure]:-0} + n))
        done
        echo "$name: $(ab_figure "$name.$round" complete) complete," \
            "$(ab_figure "$name.$round" failed) failed, $(ab_figure "$name.$round" non2xx) not" \
            "200, $(ab_figure "$name.$round" rps) requests/s," \
            "99% within $(ab_figure "$name.$round" p99) ms"
    done
    [ "$(cat "$scratch/reloads")" -ge 3 ] && break
done
reloads=$(stop_reloader)
echo "reloads during the $round rounds: $reloads"
# the test is only worth something if reloads happened while the requests ran
if [ "$reloads" -ge 3 ]; then ok; else fail "only $reloads reloads during the run"; fi
if [ "${total[ketama.complete]}" = $((round * requests)) ] &&
    [ "${total[ketama.failed]}" = 0 ] && [ "${total[ketama.non2xx]}" = 0 ]; then ok
else fail "requests to the module failed under reloads (above)"; fi
if [ "${total[ketama.failed]}" -le "${total[chash.failed]}" ]; then ok
else fail "the module failed more requests than hash consistent"; fi
if grep -F '[emerg]' "$load_dir/error.log"; then fail "a reload was refused (above)"; else ok; fi
if stop_nginx "$nginx_pid"; then ok; else fail "nginx did not stop"; fi
if no_alerts "$load_dir/error.log"; then ok; else fail "nginx logged alerts (above)"; fi
summary
