# --- PHP: the ketama extension (php/; README, "PHP") ---
#   make php           target/php-build/modules/ketama.so, built with phpize against the tree's
#                      library (target/lib/pkgconfig/ketama.pc), and the tests' oracle program
#   make php-test      the phpt suite with PHP's run-tests.php, then docs/php.md's out-of-tree
#                      build against a staged install (php/out-of-tree-test.sh, with the
#                      default PHP); `make test` runs them when php-config is installed (php-dev)
#   make php-test-valgrind  the same under valgrind memcheck (USE_ZEND_ALLOC=0): about 3 minutes,
#                      so .ci/run runs it apart from make test
#   make php-arginfo   regenerate php/ketama_arginfo.h from php/ketama.stub.php (php-src's
#                      gen_stub.php, which needs PHP-Parser: Debian's php-parser)
#   make php-bench     PHP's ns/key beside php-memcached's (php-memcached, memcached)
# PHP_CONFIG picks the PHP to build for (a ZTS build's php-config, say), PHP_BUILD where.
# phpize writes many files: they stay in PHP_BUILD, a copy of php/, out of git. PHP_RPATH=no
# in the environment (Debian's packaging sets it; docs/php.md's out-of-tree builds too) leaves
# out the module's run path to the library's directory.

PHP_CONFIG ?= php-config
PHPIZE ?= $(patsubst %php-config,%phpize,$(PHP_CONFIG))
PHP_BUILD ?= target/php-build
PHP_SOURCES := config.m4 ketama.c php_ketama.h ketama_arginfo.h memcached.c ketama_memcached.h
# CFLAGS from the environment come last: a package build's hardening flags (dpkg-buildflags:
# -fstack-protector-strong and the rest, which dh exports) then apply to the module too.
PHP_CFLAGS ?= -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror $(CFLAGS)

.PHONY: php php-test php-test-valgrind php-arginfo php-bench
test: php-test

# phpize and configure run again when config.m4, the PHP or its flags change; make then
# rebuilds what changed.
php: lib
	mkdir -p $(PHP_BUILD)
	php_id="$$(command -v $(PHP_CONFIG)) $$($(PHP_CONFIG) --version) rpath=$$PHP_RPATH $(PHP_CFLAGS)"; \
	if ! cmp -s php/config.m4 $(PHP_BUILD)/config.m4 || [ ! -f $(PHP_BUILD)/Makefile ] || \
	    [ "$$php_id" != "$$(cat $(PHP_BUILD)/php-id 2>/dev/null)" ]; then \
	    cp php/config.m4 $(PHP_BUILD)/ && cd $(PHP_BUILD) && $(PHPIZE) >/dev/null && \
	    PKG_CONFIG_PATH=$(CURDIR)/$(OUT)/pkgconfig ./configure --with-php-config=$(PHP_CONFIG) \
	        --with-ketama CFLAGS="$(PHP_CFLAGS)" >configure.out && echo "$$php_id" >php-id; \
	fi
	for f in $(PHP_SOURCES); do cmp -s php/$$f $(PHP_BUILD)/$$f || cp php/$$f $(PHP_BUILD)/$$f; done
	rm -rf $(PHP_BUILD)/tests && cp -r php/tests $(PHP_BUILD)/tests
	$(MAKE) -C $(PHP_BUILD)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude -o $(PHP_BUILD)/oracle \
	    php/tests/oracle.c -L$(OUT) -lketama -Wl,-rpath,$(CURDIR)/$(OUT)

php-test:
	@if command -v $(PHP_CONFIG) >/dev/null; then \
	    $(MAKE) --no-print-directory php && PHP_CONFIG=$(PHP_CONFIG) bash php/run-tests.sh $(PHP_BUILD) && \
	    { [ "$(PHP_CONFIG)" != php-config ] || bash php/out-of-tree-test.sh; }; \
	else echo "php: skipped, $(PHP_CONFIG) not found (Debian: php-dev; make deps installs it)"; fi

php-test-valgrind: php
	PHP_CONFIG=$(PHP_CONFIG) bash php/run-tests.sh $(PHP_BUILD) valgrind

php-arginfo:
	rm -rf target/php-stub && mkdir -p target/php-stub
	cp "$$($(PHP_CONFIG) --extension-dir)/build/gen_stub.php" target/php-stub/ 2>/dev/null || \
	    cp "$$($(PHP_CONFIG) --prefix)/lib/php/build/gen_stub.php" target/php-stub/
	parser=target/php-stub/PHP-Parser-$$(sed -n 's/^ *\$$version = "\(.*\)";/\1/p' target/php-stub/gen_stub.php); \
	    mkdir -p $$parser/lib && ln -s /usr/share/php/PhpParser $$parser/lib/PhpParser
	$$($(PHP_CONFIG) --php-binary) target/php-stub/gen_stub.php -f php/ketama.stub.php

# With the PHP's own ini files, which load php-memcached.
php-bench: php
	$$($(PHP_CONFIG) --php-binary) -d extension=$(CURDIR)/$(PHP_BUILD)/modules/ketama.so \
	    bench/php_bench.php $(PHP_BENCH_ARGS)
