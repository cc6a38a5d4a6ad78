dnl The ketama extension. It links libketama through pkg-config: an installed ketama.pc, or
dnl the source tree's own build (`make php` sets PKG_CONFIG_PATH to target/lib/pkgconfig).
dnl The algorithm lives in the library only; nothing of it is compiled here.

PHP_ARG_WITH([ketama],
  [for ketama support],
  [AS_HELP_STRING([--with-ketama],
    [Include ketama support (libketama 1.2 or newer, found with pkg-config)])])

if test "$PHP_KETAMA" != "no"; then
  dnl 1.2.0: the ring flavors (create_ketama_flavor, ketama_flavor_name, ketama_roll_flavor).
  PKG_CHECK_MODULES([KETAMA], [ketama >= 1.2.0])
  PHP_EVAL_INCLINE([$KETAMA_CFLAGS])
  PHP_EVAL_LIBLINE([$KETAMA_LIBS], [KETAMA_SHARED_LIBADD])
  PHP_SUBST([KETAMA_SHARED_LIBADD])
  dnl ketama_roll_flavor came after 1.2.0's first release, without a version of its own.
  PHP_CHECK_LIBRARY([ketama], [ketama_roll_flavor], [],
    [AC_MSG_ERROR([libketama lacks ketama_roll_flavor: a newer libketama is needed])],
    [$KETAMA_LIBS])
  AC_DEFINE([HAVE_KETAMA], [1], [Whether the ketama extension is built])
  PHP_NEW_EXTENSION([ketama], [ketama.c memcached.c], [$ext_shared],, [-DZEND_ENABLE_STATIC_TSRMLS_CACHE=1])
fi
