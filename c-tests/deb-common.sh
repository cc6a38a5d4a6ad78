# shellcheck shell=bash
# Shared by the tests of `make deb`'s packages (c-tests/, php/ and nginx/deb-test.sh, sourced
# from the repository's root): pkg-common.sh's counters and checks, the Debian architecture
# and version, and where make deb leaves each package.

# shellcheck source=c-tests/pkg-common.sh
source c-tests/pkg-common.sh
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
debversion=$(dpkg-parsechangelog -S Version)
root=$scratch/root

# deb NAME: the path of binary package NAME in target/deb/.
deb() { echo "target/deb/${1}_${debversion}_$arch.deb"; }
