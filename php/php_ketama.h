/*
 * The ketama PHP extension: libketama's consistent hashing for PHP 8, with the functions of
 * last.fm's php_ketama and the Ketama\Continuum class. See ketama.c and README.md.
 */
#ifndef PHP_KETAMA_H
#define PHP_KETAMA_H

#include <ketama.h>

extern zend_module_entry ketama_module_entry;
#define phpext_ketama_ptr &ketama_module_entry

/* The extension carries the version of the library it is built with: one number to track. */
#define PHP_KETAMA_VERSION KETAMA_VERSION

#if defined(ZTS) && defined(COMPILE_DL_KETAMA)
ZEND_TSRMLS_CACHE_EXTERN()
#endif

#endif /* PHP_KETAMA_H */
