#!/usr/bin/env bash
# make deps and make deps-list: tools/deps.txt, installed or printed.
#
#   tools/deps.sh list      every entry, grouped by installer, with its condition
#   tools/deps.sh install   what is missing: Debian packages with apt-get (as root, or through
#                           sudo), Python requirements with the active Python's pip, crates'
#                           programs with cargo install; says what it installs
#
# PYTHON names the Python to install into (default: python3 on PATH, a venv's when one is
# active). DEPS_WITHOUT="NAME ..." leaves entries out (the Debian 13 chroot has no use for
# mmdebstrap or cargo-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
without=" ${DEPS_WITHOUT:-} "

apt=()
pip=()
crates=()
listing=()
while read -r installer name rest; do
    case $installer in '' | '#'*) continue ;; esac
    [[ $without == *" $name "* ]] && continue
    unless=
    if [[ $rest == '!'* ]]; then
        unless=${rest%% *}
        unless=${unless#!}
    fi
    why=
    [[ $rest == *'#'* ]] && why=${rest#*# }
    [ -n "$unless" ] && why="${why:+$why; }only without $unless on PATH"
    listing+=("$(printf '%-5s %-20s %s' "$installer" "$name" "$why")")
    # An entry whose command is already on PATH is left alone.
    if [ -n "$unless" ] && command -v "$unless" >/dev/null; then continue; fi
    case $installer in
        apt)
            [ "$(dpkg-query -W -f '${Status}' "$name" 2>/dev/null)" = "install ok installed" ] ||
                apt+=("$name")
            ;;
        pip) pip+=("$name") ;;
        cargo) command -v "$name" >/dev/null || crates+=("$name") ;;
        *)
            echo "tools/deps.txt: unknown installer $installer" >&2
            exit 1
            ;;
    esac
done <tools/deps.txt

if [ "${1:-}" = list ]; then
    echo "make deps installs (tools/deps.txt; apt: Debian packages, pip: into the active Python,"
    echo "cargo: cargo install):"
    printf '  %s\n' "${listing[@]}"
    exit 0
fi
[ "${1:-}" = install ] || { echo "usage: tools/deps.sh list|install" >&2; exit 2; }

# A Python that pip may install into: a venv, or one that no distribution manages (PEP 668:
# Debian's own python3 refuses, and must not be changed behind apt's back).
if [ ${#pip[@]} -gt 0 ] && ! command -v "$python" >/dev/null; then
    apt+=(python3)
fi
may_install() {
    "$python" -c 'import os, sys, sysconfig
sys.exit(sys.prefix == sys.base_prefix and os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")))'
}

if [ ${#apt[@]} -gt 0 ]; then
    echo "make deps: Debian packages: ${apt[*]}"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null ||
            { echo "make deps: apt-get needs root: run it as root, or install sudo" >&2; exit 1; }
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt[@]}"
else
    echo "make deps: every Debian package is installed"
fi

if [ ${#pip[@]} -gt 0 ]; then
    if ! may_install; then
        echo "make deps: $(command -v "$python") is the distribution's Python, which pip may not change:" >&2
        echo "  python3 -m venv ~/.venv && . ~/.venv/bin/activate && make deps" >&2
        exit 1
    fi
    echo "make deps: Python packages into $("$python" -c 'import sys; print(sys.prefix)'): ${pip[*]}"
    PIP_ROOT_USER_ACTION=ignore "$python" -m pip install -q "${pip[@]}"
fi

for crate in "${crates[@]}"; do
    echo "make deps: cargo install $crate"
    cargo install --locked -q "$crate"
done

# The Rust on PATH decides what builds: say so where it is older than the default build needs.
rust=$(rustc --version 2>/dev/null | awk '{print $2}')
if [ -z "$rust" ]; then
    echo "make deps: no rustc on PATH: install Rust (1.89, or 1.80 with SIMD=no) with rustup" >&2
    exit 1
elif ! printf '1.89.0\n%s\n' "$rust" | sort -CV; then
    echo "make deps: rustc $rust: build with SIMD=no (make SIMD=no, make test SIMD=no; the SIMD MD5 needs 1.89)"
    printf '1.85.0\n%s\n' "$rust" | sort -CV ||
        echo "make deps: rustc $rust is older than 1.85, which the tests need: install Rust with rustup" >&2
fi
echo "make deps: done"
