dnl The ketama extension. It links libketama through pkg-config: an installed ketama.pc, or
dnl the source tree's own build (`make php` sets PKG_CONFIG_PATH to target/lib/pkgconfig).
dnl The algorithm lives in the library only; nothing of it is compiled here.

PHP_ARG_WITH([ketama],
  [for ketama support],
  [AS_HELP_STRING([--with-ketama],
    [Include ketama support (libketama 1.1 or newer, found with pkg-config)])])

if test "$PHP_KETAMA" != "no"; then
  PKG_CHECK_MODULES([KETAMA], [ketama >= 1.1.0])
  PHP_EVAL_INCLINE([$KETAMA_CFLAGS])
  PHP_EVAL_LIBLINE([$KETAMA_LIBS], [KETAMA_SHARED_LIBADD])
  PHP_SUBST([KETAMA_SHARED_LIBADD])
  dnl ketama_point_server came after 1.1.0's first release, without a version of its own.
  PHP_CHECK_LIBRARY([ketama], [ketama_point_server], [],
    [AC_MSG_ERROR([libketama lacks ketama_point_server: a newer libketama is needed])],
    [$KETAMA_LIBS])
  AC_DEFINE([HAVE_KETAMA], [1], [Whether the ketama extension is built])
  PHP_NEW_EXTENSION([ketama], [ketama.c], [$ext_shared],, [-DZEND_ENABLE_STATIC_TSRMLS_CACHE=1])
fi
