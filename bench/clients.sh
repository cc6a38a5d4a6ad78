#!/usr/bin/env bash
# Each flavor's lookup against its real client's own, in the same run, on the same server list
# and keys: the library's single (get_server) and batch (get_servers) lookups from
# bench/flavors.c, beside libmemcached's memcached_server_by_key (C), spymemcached's
# KetamaNodeLocator (JVM), dalli's ring (Ruby), the npm memcached client and hashring (Node)
# and uhashring (Python), each timed in its own runtime by its program in bench/clients/.
# A client whose tools are missing is left out, saying so. make bench runs it.
#
#   bench/clients.sh [LIST [KEYS [REPS]]]   (default: clients/lists/unequal50.list, 20000
#                                            keys of clients/keys.py, 5 passes)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
list=${1:-clients/lists/unequal50.list}
count=${2:-20000}
reps=${3:-5}
out=target/bench
mkdir -p "$out"
clients/keys.py "$count" >"$out/keys"
cc=${CC:-cc}
$cc -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude -o "$out/flavors" bench/flavors.c \
    -Ltarget/lib -lketama
LD_LIBRARY_PATH=target/lib "$out/flavors" "$list" "$out/keys" "$reps" 200 1000 |
    tee "$out/flavors.txt"

# `CLIENT FLAVOR NS`: the client's own ns/key, one line a client timed.
: >"$out/native.txt"
native() { # FLAVOR LABEL COMMAND...: the line "LABEL single: X ns/key" of COMMAND's output
    local flavor=$1 label=$2
    shift 2
    local text
    if ! text=$("$@" 2>&1); then
        echo "left out: $label ($(tail -n 1 <<<"$text"))"
        return 0
    fi
    echo "$text"
    sed -n "s/^$label single: \([0-9.]*\) ns\/key$/$label $flavor \1/p" <<<"$text" \
        >>"$out/native.txt"
}
if $cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$out/libmemcached" bench/clients/libmemcached.c \
    -lmemcached 2>/dev/null; then
    native libmemcached libmemcached "$out/libmemcached" "$list" "$out/keys" "$reps"
else
    echo "left out: libmemcached (apt-get install libmemcached-dev, or make deps)"
fi
jar=/usr/share/java/spymemcached.jar
if [ -f "$jar" ] && command -v java >/dev/null; then
    native spymemcached spymemcached java -cp "$jar" bench/clients/SpymemcachedBench.java \
        "$list" "$out/keys" "$reps"
else
    echo "left out: spymemcached (apt-get install libspymemcached-java default-jdk-headless)"
fi
if command -v ruby >/dev/null; then
    native dalli dalli ruby bench/clients/dalli_bench.rb "$list" "$out/keys" "$reps"
else
    echo "left out: dalli (apt-get install ruby-dalli)"
fi
if command -v node >/dev/null; then
    text=$(node bench/clients/node_bench.js "$list" "$out/keys" "$reps" 2>&1) || true
    echo "$text"
    sed -n 's/^node-memcached single: \([0-9.]*\) ns\/key$/node-memcached node-memcached \1/p;
            s/^hashring single: \([0-9.]*\) ns\/key$/hashring hashring \1/p' <<<"$text" \
        >>"$out/native.txt"
else
    echo "left out: the npm clients (apt-get install nodejs npm)"
fi
native uhashring uhashring python3 bench/clients/uhashring_bench.py "$list" "$out/keys" "$reps"

echo
printf '%-16s %14s %14s %8s %14s %8s\n' client "its own" "ours single" ratio "ours batch" ratio
while read -r client flavor theirs; do
    read -r single batch < <(awk -v f="$flavor" '$1 == f { print $6, $9 }' "$out/flavors.txt")
    awk -v c="$client" -v t="$theirs" -v s="$single" -v b="$batch" 'BEGIN {
        printf "%-16s %11.1f ns %11.1f ns %7.1fx %11.1f ns %7.1fx\n", c, t, s, t / s, b, t / b }'
done <"$out/native.txt"
