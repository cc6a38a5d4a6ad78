#!/bin/sh
# Prints the debian/copyright paragraph of each crate in VENDOR (the vendor/ tree `make vendor`
# writes with `cargo vendor`): its files, its authors as its Cargo.toml names them (or "the
# CRATE developers" when it names none), and its license in DEP-5 form. `make vendor` fails
# when debian/copyright does not hold exactly these paragraphs; after a dependency change,
# replace them with this script's output.
#
# Usage: debian/vendor-copyright.sh VENDOR
set -eu
vendor=$1
for toml in "$vendor"/*/Cargo.toml; do
    dir=${toml%/Cargo.toml}
    crate=${dir##*/}
    name=$(sed -n '/^\[package\]$/,/^\[/ s/^name = "\(.*\)"$/\1/p' "$toml")
    # authors = ["A"] or one author a line between "authors = [" and "]".
    authors=$(awk '
        /^authors = \[".*"\]$/ { sub(/^authors = \["/, ""); sub(/"\]$/, ""); print; exit }
        /^authors = \[$/ { inside = 1; next }
        inside && /^\]/ { exit }
        inside { sub(/^ *"/, ""); sub(/",?$/, ""); print }
    ' "$toml")
    [ -n "$authors" ] || authors="The $name developers"
    # SPDX to DEP-5: lower-case operators, "A or B, and C" for "(A OR B) AND C", exceptions
    # as "with NAME exception", "+" for "-or-later".
    license=$(sed -n 's/^license = "\(.*\)"$/\1/p' "$toml" | sed -e 's/ OR / or /g' \
        -e 's/ AND / and /g' -e 's#/# or #g' -e 's/ WITH LLVM-exception/ with LLVM exception/g' \
        -e 's/-or-later/+/g' -e 's/^(\(.*\)) and /\1, and /')
    printf '\nFiles: vendor/%s/*\n' "$crate"
    printf '%s\n' "$authors" | sed '1s/^/Copyright: /; 2,$s/^/           /'
    printf 'License: %s\n' "$license"
done
