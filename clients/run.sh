#!/usr/bin/env bash
# The client suites: each real client's answer for every key, against the library's.
#
#   clients/run.sh [CLIENT...]       (every client when none is named; make test-clients)
#
# For each client (a directory with an `oracle` and a `suite.conf`), each of its flavors and
# each server list it takes, the oracle's `KEY<TAB>SERVER` lines must equal those of
# `ketama --rules memory map --flavor FLAVOR LIST` byte for byte. A client whose tools are
# missing is skipped, saying what to install (the oracle exits 77). A list the client refuses
# (exit 78) must be one its suite.conf declares in REFUSES, and the other way round.
#
# suite.conf sets FLAVORS (the flavors it answers), and may set SKIP_LISTS (names of lists it
# cannot take as spelled, say host names a JVM would rename), EXTRA_LISTS (paths), LONG=yes
# (also map keys over 250 bytes), KEYS (how many keys, 5000 by default) and REFUSES
# ("FLAVOR:LIST" pairs the real client refuses).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
ketama=${KETAMA:-$root/target/release/ketama}
if [ ! -x "$ketama" ]; then
    echo "clients: build the ketama command first (make)" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# An oracle that can answer several flavors of one list in one run of its client (twemproxy:
# one nutcracker with a pool per hash) keeps the others' answers here.
export CLIENTS_ORACLE_CACHE=$work/cache

clients=("$@")
if [ ${#clients[@]} -eq 0 ]; then
    for conf in "$here"/*/suite.conf; do
        clients+=("$(basename "$(dirname "$conf")")")
    done
fi

passed=0 failed=0 skipped=0
for client in "${clients[@]}"; do
    dir=$here/$client
    FLAVORS="" SKIP_LISTS="" EXTRA_LISTS="" LONG=no KEYS=5000 REFUSES=""
    # shellcheck source=/dev/null
    . "$dir/suite.conf"
    start=$SECONDS
    "$here/keys.py" "$KEYS" >"$work/keys"
    keysets=(keys)
    if [ "$LONG" = yes ]; then
        "$here/keys.py" "$KEYS" --long >"$work/long"
        keysets+=(long)
    fi
    lists=()
    for list in "$here"/lists/*.list $EXTRA_LISTS; do
        case " $SKIP_LISTS " in *" $(basename "$list" .list) "*) continue ;; esac
        lists+=("$list")
    done
    for flavor in $FLAVORS; do
        for list in "${lists[@]}"; do
            name=$(basename "$list" .list)
            declared=no
            case " $REFUSES " in *" $flavor:$name "*) declared=yes ;; esac
            for keyset in "${keysets[@]}"; do
                keys=$work/$keyset
                "$here/keys.py" --points "$list" | cat "$keys" - >"$work/all"
                status=0
                "$dir/oracle" "$flavor" "$list" "$work/all" "$work/theirs" 2>"$work/err" ||
                    status=$?
                what="$client $flavor $name ($keyset)"
                if [ $status -eq 77 ]; then
                    echo "skipped: $client: $(tail -n 1 "$work/err") (or: make deps)"
                    skipped=$((skipped + 1))
                    continue 4
                fi
                if [ $status -eq 78 ]; then
                    if [ $declared = yes ]; then
                        echo "ok $what: refused by the client, as declared: $(tail -n 1 "$work/err")"
                        passed=$((passed + 1))
                    else
                        echo "FAIL $what: the client refused the list: $(tail -n 1 "$work/err")"
                        failed=$((failed + 1))
                    fi
                    continue
                fi
                if [ $status -ne 0 ]; then
                    echo "FAIL $what: the oracle failed ($status): $(tail -n 3 "$work/err")"
                    failed=$((failed + 1))
                    continue
                fi
                if [ $declared = yes ]; then
                    echo "FAIL $what: declared refused, but the client took it"
                    failed=$((failed + 1))
                    continue
                fi
                "$ketama" --rules memory map --flavor "$flavor" "$list" <"$work/all" \
                    >"$work/ours"
                total=$(wc -l <"$work/all")
                same=$(paste "$work/theirs" "$work/ours" | awk -F'\t' '$1 == $3 && $2 == $4' | wc -l)
                if cmp -s "$work/theirs" "$work/ours"; then
                    echo "ok $what: $same/$total keys"
                    passed=$((passed + 1))
                else
                    echo "FAIL $what: $same/$total keys where the client puts them; first:"
                    { diff "$work/theirs" "$work/ours" || true; } | head -n 4 | sed 's/^/    /'
                    failed=$((failed + 1))
                fi
            done
        done
    done
    echo "$client: $((SECONDS - start)) s"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
