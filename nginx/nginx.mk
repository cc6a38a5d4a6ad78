# The nginx upstream module (nginx/, README "nginx"), included by the top Makefile.
#
#   make nginx           target/nginx/ngx_http_upstream_ketama_module.so, a dynamic module
#                        for Debian's packaged nginx, linked to the tree's libketama
#   make test-nginx      its end-to-end tests with nginx and memcached (nginx/test.sh, which
#                        runs nginx/tests/fleet.sh and load.sh: the mixed fleets with the real
#                        php-memcached, npm memcached and twemproxy, each skipped, saying so,
#                        where missing; reloads under ab); skipped with a message when nginx,
#                        nginx-dev or memcached is missing
#   make nginx-bench     bench/nginx.sh: requests/s and latency percentiles of the module beside
#                        nginx's own hash consistent, with and without reloads (part of make
#                        bench; NGINX_BENCH_ARGS="REQUESTS CONCURRENCY REPS")
#
# The module is configured the way Debian builds nginx modules (dh's nginx_mod build system):
# nginx-dev's source tree, its configure flags (conf_flags: --with-compat and the rest, so
# the module's signature matches the packaged nginx), an out-of-tree build directory.

NGINX_SRC ?= /usr/share/nginx/src
NGINX_OUT := target/nginx
NGINX_MODULE := $(NGINX_OUT)/ngx_http_upstream_ketama_module.so
NGINX_CC_OPT ?= -g -O2 -fstack-protector-strong -Wformat -Werror=format-security -fPIC \
    -D_FORTIFY_SOURCE=2
NGINX_LD_OPT ?= -Wl,-z,relro -Wl,-z,now -fPIC
# Everything the test needs: Debian's nginx, the source tree of nginx-dev, memcached.
NGINX_TOOLS := $(and $(wildcard /usr/sbin/nginx),$(wildcard $(NGINX_SRC)/configure),\
    $(shell command -v memcached))

.PHONY: nginx test-nginx nginx-bench
test: test-nginx
bench: nginx-bench

nginx: lib
	@test -f $(NGINX_SRC)/configure || \
	    { echo "make nginx needs nginx-dev (the nginx source tree in $(NGINX_SRC); make deps installs it)"; exit 1; }
	$(MAKE) --no-print-directory $(NGINX_MODULE)

# configure writes only into the build directory; the source tree is read. `make lib`
# rewrites ketama.pc each time, hence an order-only prerequisite.
$(NGINX_OUT)/build/Makefile: nginx/config | $(OUT)/pkgconfig/ketama.pc
	rm -rf $(NGINX_OUT)/build
	mkdir -p $(NGINX_OUT)/build
	cd $(NGINX_SRC) && PKG_CONFIG_PATH="$(CURDIR)/$(OUT)/pkgconfig" bash -c \
	    '. ./conf_flags && ./configure "$${NGX_CONF_FLAGS[@]}" \
	     --with-cc-opt="$(NGINX_CC_OPT)" --with-ld-opt="$(NGINX_LD_OPT)" \
	     --add-dynamic-module="$(CURDIR)/nginx" --builddir="$(CURDIR)/$(NGINX_OUT)/build"' \
	    >$(CURDIR)/$(NGINX_OUT)/configure.log 2>&1 || \
	    { tail -n 20 $(CURDIR)/$(NGINX_OUT)/configure.log; exit 1; }

$(NGINX_MODULE): $(NGINX_OUT)/build/Makefile nginx/ngx_http_upstream_ketama_module.c
	$(MAKE) -f $(CURDIR)/$(NGINX_OUT)/build/Makefile -C $(NGINX_SRC) modules
	cp $(NGINX_OUT)/build/ngx_http_upstream_ketama_module.so $@

# $(call with_nginx,COMMAND,WHAT): make nginx, then COMMAND; without the tools a line saying
# that WHAT is skipped and what to install.
with_nginx = $(if $(NGINX_TOOLS),$(MAKE) --no-print-directory nginx && $1,@echo "$2 skipped: \
    it needs nginx, nginx-dev and memcached (Debian: nginx nginx-dev memcached; make deps \
    installs them)")

test-nginx: lib
	$(call with_nginx,CC="$(CC)" bash nginx/test.sh $(OUT) $(NGINX_MODULE),nginx suite)

nginx-bench: lib
	$(call with_nginx,bash bench/nginx.sh $(OUT) $(NGINX_MODULE) $(NGINX_BENCH_ARGS),nginx bench)
