/* For builds that put the source tree on the include path (-I<srcdir>): the one header is
 * include/ketama.h. */
#include "include/ketama.h"
