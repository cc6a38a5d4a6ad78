# libketama, a drop-in replacement for last.fm's libketama 1.x. See README.md.
#
#   make                 build target/lib/libketama.so.1 (+ libketama.so, libketama.a), and
#                        target/lib/pkgconfig/ketama.pc for building against the tree
#                        (PKG_CONFIG_PATH=target/lib/pkgconfig: what make php and nginx use)
#   make test            every test: Rust, then the C suite (and under valgrind when installed),
#                        and the PHP, Python and nginx suites (each skipped, saying so, without
#                        its tools)
#   make install         PREFIX, LIBDIR, INCLUDEDIR, MANDIR and DESTDIR as usual
#                        (and BINDIR for the ketama command)
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

# The one version number lives in Cargo.toml.
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml)
MAJOR := $(firstword $(subst ., ,$(VERSION)))
SONAME := libketama.so.$(MAJOR)
REALNAME := libketama.so.$(VERSION)
OUT := target/lib

BENCH_ARGS ?= 5 1000000

.PHONY: all lib test header bench install uninstall clean

all: lib

lib:
	$(CARGO) build --release --locked
	mkdir -p $(OUT)
	cp target/release/libketama.so $(OUT)/$(REALNAME)
	ln -sf $(REALNAME) $(OUT)/$(SONAME)
	ln -sf $(SONAME) $(OUT)/libketama.so
	cp target/release/libketama.a $(OUT)/libketama.a
	mkdir -p $(OUT)/pkgconfig
	sed -e 's|@PREFIX@|$(CURDIR)|' -e 's|@LIBDIR@|$(CURDIR)/$(OUT)|' \
	    -e 's|@INCLUDEDIR@|$(CURDIR)/include|' -e 's|@VERSION@|$(VERSION)|' \
	    ketama.pc.in >$(OUT)/pkgconfig/ketama.pc

test: lib
	$(CARGO) test --locked
	CC="$(CC)" bash c-tests/run.sh $(OUT)
	$(MAKE) --no-print-directory test-nginx

# Needs libmemcached (Debian: libmemcached-dev), measured side by side in the same run.
bench: lib
	mkdir -p target/bench
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude -o target/bench/bench bench/bench.c \
	    -L$(OUT) -lketama -lmemcached -ldl -pthread || \
	    { echo "make bench needs libmemcached: apt-get install libmemcached-dev"; exit 1; }
	LD_LIBRARY_PATH=$(OUT) target/bench/bench $(BENCH_ARGS)
	$(CARGO) run --release --locked --quiet --example roll -- $(firstword $(BENCH_ARGS))

header:
	KETAMA_WRITE_HEADER=1 $(CARGO) test --locked --test header

install: lib
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
#   make deb             Debian packages libketama1, libketama-dev and ketama into target/deb/

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
.PHONY: install-pc install-man uninstall-pc uninstall-man deb

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

# dpkg-buildpackage -b on a copy of the tree without target/ (it writes next to the tree) or
# the fuzz build, then lintian; the .debs land in target/deb/. The cargo and rustup homes are
# passed on explicitly, since a package build may run with another HOME.
DEBDIR := target/deb
deb:
	rm -rf $(DEBDIR)
	mkdir -p $(DEBDIR)/build/libketama-$(VERSION)
	tar -cf - --exclude=./target --exclude=./fuzz/target --exclude=./fuzz/artifacts \
	    --exclude=./.git . | tar -xf - -C $(DEBDIR)/build/libketama-$(VERSION)
	cd $(DEBDIR)/build/libketama-$(VERSION) && \
	    CARGO_HOME="$${CARGO_HOME:-$$HOME/.cargo}" RUSTUP_HOME="$${RUSTUP_HOME:-$$HOME/.rustup}" \
	    DEB_BUILD_OPTIONS="nocheck $$DEB_BUILD_OPTIONS" dpkg-buildpackage -us -uc -b
	lintian --fail-on error --info $(DEBDIR)/build/*.changes >$(DEBDIR)/lintian.txt; \
	    status=$$?; cat $(DEBDIR)/lintian.txt; exit $$status
	mv $(DEBDIR)/build/*.deb $(DEBDIR)/

# The PHP extension (php/php.mk): make php, make php-test (part of make test), make php-bench.
include php/php.mk
# --- The nginx upstream module: make nginx, make test-nginx (see nginx/nginx.mk) ---
include nginx/nginx.mk
# The Python package (python/): make python, and make python-test as part of make test.
include python/python.mk
