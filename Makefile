# libketama, a drop-in replacement for last.fm's libketama 1.x. See README.md.
#
#   make deps            install what every build and test needs (tools/deps.txt: Debian
#                        packages as root, Python tools into the active Python); make
#                        deps-list prints the list
#   make                 build target/lib/libketama.so.1 (+ libketama.so, libketama.a), and
#                        target/lib/pkgconfig/ketama.pc for building against the tree
#                        (PKG_CONFIG_PATH=target/lib/pkgconfig: what make php and nginx use)
#   make test            every test: Rust (make test-rust), then the C suite (make test-c; and
#                        under valgrind), then the PHP, nginx and Python suites (each skipped,
#                        saying so, without its tools: make deps installs them)
#   make test-long       the long differentials and soaks `make test` leaves out (CI runs both)
#   make test-clients    each ring flavor against the real client it names (clients/)
#   make install         PREFIX, LIBDIR, INCLUDEDIR, MANDIR and DESTDIR as usual
#                        (and BINDIR for the ketama command); needs no cargo after `make`
#   make SIMD=no         build (and test) without the SIMD MD5: md-5 everywhere, same answers,
#                        Rust 1.80 instead of 1.89 (see README.md)
#   make header          regenerate include/ketama.h with cbindgen after an API change
#   make bench           benchmark against libmemcached's ketama, lookups over threads, and
#                        a first roll step by step (BENCH_ARGS="REPS KEYS")

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=
CARGO ?= cargo
CC ?= cc
# Takes out of libketama.a the LLVM bitcode rustc embeds in every object for link-time
# optimisation: no C linker reads it, and it was 23 of the archive's 28 MB.
OBJCOPY ?= objcopy

# The one version number lives in Cargo.toml.
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml)
MAJOR := $(firstword $(subst ., ,$(VERSION)))
SONAME := libketama.so.$(MAJOR)
REALNAME := libketama.so.$(VERSION)
OUT := target/lib

BENCH_ARGS ?= 5 1000000

# SIMD=no builds without the default cargo feature `simd` (md5-many); `capi`, the C ABI, stays.
SIMD ?= yes
CARGO_FEATURES := $(if $(filter no,$(SIMD)),--no-default-features --features capi)

.PHONY: all lib test test-rust test-c test-long test-clients header bench install uninstall \
    clean deps deps-list

all: lib

deps:
	bash tools/deps.sh install

deps-list:
	@bash tools/deps.sh list

# Each file is written aside (.PID) and renamed into place: `make -j test` runs `lib` from
# several sub-makes while tests load the library, and none may see a file half written.
LIB_FILES := $(REALNAME) $(SONAME) libketama.so libketama.a pkgconfig/ketama.pc
lib:
	$(CARGO) build --release --locked $(CARGO_FEATURES)
	mkdir -p $(OUT)/pkgconfig
	set -e; t=.$$$$; \
	cp target/release/libketama.so $(OUT)/$(REALNAME)$$t; \
	ln -sf $(REALNAME) $(OUT)/$(SONAME)$$t; \
	ln -sf $(SONAME) $(OUT)/libketama.so$$t; \
	cp target/release/libketama.a $(OUT)/libketama.a$$t; \
	$(OBJCOPY) -D --remove-section=.llvmbc --remove-section=.llvmcmd $(OUT)/libketama.a$$t; \
	sed -e 's|@PREFIX@|$(CURDIR)|' -e 's|@LIBDIR@|$(CURDIR)/$(OUT)|' \
	    -e 's|@INCLUDEDIR@|$(CURDIR)/include|' -e 's|@VERSION@|$(VERSION)|' \
	    ketama.pc.in >$(OUT)/pkgconfig/ketama.pc$$t; \
	for f in $(LIB_FILES); do mv -Tf $(OUT)/$$f$$t $(OUT)/$$f; done

# What `make` built, for the rules that only copy it: cargo runs again only when the library
# is missing or older than a source, so `sudo make install` after `make` needs no cargo on
# root's PATH. `lib` itself always asks cargo, which knows best what is out of date.
SOURCES := Cargo.toml Cargo.lock build.rs $(shell find src -name '*.rs')
BUILT := $(OUT)/$(REALNAME)
$(BUILT): $(SOURCES)
	$(MAKE) lib

# The core suites, Rust then C; the integration suites follow in the order their files are
# included below (PHP, nginx, Python), each adding itself to `test`.
test: test-rust test-c

test-rust: lib
	$(CARGO) test --locked $(CARGO_FEATURES)

test-c: lib
	CC="$(CC)" bash c-tests/run.sh $(OUT)

# The tests too long for `make test` (the MD5 differentials over millions of inputs, the
# soaks): Rust tests marked #[ignore = "long: ..."]. Integrations add theirs as prerequisites.
test-long: lib
	$(CARGO) test --locked $(CARGO_FEATURES) -- --ignored

# Needs libmemcached (Debian: libmemcached-dev), measured side by side in the same run.
bench: lib
	mkdir -p target/bench
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude -o target/bench/bench bench/bench.c \
	    -L$(OUT) -lketama -lmemcached -ldl -pthread || \
	    { echo "make bench needs libmemcached (Debian: libmemcached-dev; make deps installs it)"; exit 1; }
	LD_LIBRARY_PATH=$(OUT) target/bench/bench $(BENCH_ARGS)
	$(CARGO) run --release --locked --quiet --example roll -- $(firstword $(BENCH_ARGS))
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -o target/bench/latency bench/latency.c
	target/bench/latency 1000000
	CC="$(CC)" bash bench/clients.sh

header:
	KETAMA_WRITE_HEADER=1 $(CARGO) test --locked --test header

install: $(BUILT)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)
	install -m 644 $(OUT)/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(REALNAME)
	ln -sf $(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libketama.so
	install -m 644 $(OUT)/libketama.a $(DESTDIR)$(LIBDIR)/libketama.a
	install -m 644 include/ketama.h $(DESTDIR)$(INCLUDEDIR)/ketama.h
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 target/release/ketama $(DESTDIR)$(BINDIR)/ketama
	install -m 644 man/ketama.1 $(DESTDIR)$(MANDIR)/man1/ketama.1

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	      $(DESTDIR)$(LIBDIR)/libketama.so $(DESTDIR)$(LIBDIR)/libketama.a \
	      $(DESTDIR)$(INCLUDEDIR)/ketama.h
	rm -f $(DESTDIR)$(BINDIR)/ketama $(DESTDIR)$(MANDIR)/man1/ketama.1

clean:
	$(CARGO) clean

# --- Packaging: pkg-config file, manual page, Debian packages (see README.md) ---
#   make vendor          the vendored crates' tarball of the source package (target/vendor/)
#   make deb             the source package and every binary package of debian/control (with
#                        their -dbgsym packages), built offline, into target/deb/
#   make test-trixie     all of it (make deps, make, make test, make deb, the packages
#                        installed and tested) in a Debian 13 chroot, with Debian 13's Rust

# The exported functions, one a line; each gets a link page to ketama(3).
SYMBOLS := $(shell cat libketama.symbols.txt)
PCDIR := $(LIBDIR)/pkgconfig
MAN3DIR := $(MANDIR)/man3
# libdir and includedir relative to ${prefix} where they are under it, so that
# `pkg-config --define-variable=prefix=...` relocates them.
PC_LIBDIR := $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCLUDEDIR := $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))

install: install-pc install-man
uninstall: uninstall-pc uninstall-man
.PHONY: install-pc install-man uninstall-pc uninstall-man vendor deb test-trixie

install-pc:
	install -d $(DESTDIR)$(PCDIR)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(PC_LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(PC_INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    ketama.pc.in >$(DESTDIR)$(PCDIR)/ketama.pc
	chmod 644 $(DESTDIR)$(PCDIR)/ketama.pc

install-man:
	install -d $(DESTDIR)$(MAN3DIR)
	install -m 644 man/ketama.3 $(DESTDIR)$(MAN3DIR)/ketama.3
	for f in $(SYMBOLS); do \
	    echo '.so man3/ketama.3' >$(DESTDIR)$(MAN3DIR)/$$f.3 && \
	    chmod 644 $(DESTDIR)$(MAN3DIR)/$$f.3 || exit 1; \
	done

uninstall-pc:
	rm -f $(DESTDIR)$(PCDIR)/ketama.pc

uninstall-man:
	rm -f $(DESTDIR)$(MAN3DIR)/ketama.3 $(foreach f,$(SYMBOLS),$(DESTDIR)$(MAN3DIR)/$(f).3)

# make vendor: the crates the build uses (cargo vendor), as the source package carries them,
# in target/vendor/libketama_VERSION.orig-vendor.tar.xz (unpacked as vendor/); fails when
# debian/copyright does not list exactly these crates (debian/vendor-copyright.sh).
VENDORDIR := target/vendor
VENDOR_TAR := libketama_$(VERSION).orig-vendor.tar.xz
# Reproducible tarballs: sorted, owned by root, files dated by the last changelog entry.
TAR_REPRO = tar --sort=name --owner=0 --group=0 --numeric-owner \
    --mtime=@$$(dpkg-parsechangelog -STimestamp)
vendor: $(VENDORDIR)/$(VENDOR_TAR)
$(VENDORDIR)/$(VENDOR_TAR): Cargo.toml Cargo.lock debian/copyright debian/vendor-copyright.sh
	rm -rf $(VENDORDIR)
	mkdir -p $(VENDORDIR)
	$(CARGO) vendor --locked --versioned-dirs $(VENDORDIR)/vendor >/dev/null
	sh debian/vendor-copyright.sh $(VENDORDIR)/vendor >$(VENDORDIR)/copyright.want
	awk 'BEGIN { RS = "" } /^Files: vendor\// { printf "\n%s\n", $$0 }' debian/copyright \
	    >$(VENDORDIR)/copyright.have
	diff -u $(VENDORDIR)/copyright.have $(VENDORDIR)/copyright.want || { \
	    echo "debian/copyright: the vendored crates changed; put the output of"; \
	    echo "debian/vendor-copyright.sh $(VENDORDIR)/vendor in place of their paragraphs"; \
	    exit 1; }
	$(TAR_REPRO) -C $(VENDORDIR) -cf - vendor | xz -T0 >$@.tmp
	mv $@.tmp $@

# make test-trixie: the whole project built, tested and packaged in a Debian 13 chroot with
# Debian 13's toolchain, and its packages installed and tested there (tools/trixie.sh; root).
test-trixie:
	bash tools/trixie.sh

# make deb: checks what the build needs first, names its log, shows its stages; the source
# package holds exactly what git tracks (and the vendored crates). See tools/deb.sh.
deb:
	VERSION=$(VERSION) MAKE="$(MAKE)" bash tools/deb.sh

# The PHP extension (php/php.mk): make php, make php-test (part of make test), make php-bench.
include php/php.mk
# --- The nginx upstream module: make nginx, make test-nginx (see nginx/nginx.mk) ---
include nginx/nginx.mk
# The Python package (python/): make python, and make python-test as part of make test.
include python/python.mk

# The real clients' suites, last: each flavor against the client it names, for every key of
# every server list (clients/README.md); a client whose tools are missing is skipped, saying
# so and naming make deps.
test: test-clients
test-clients: lib
	bash clients/run.sh
