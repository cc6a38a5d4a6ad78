/*
 * What the C test programs share: the pass/fail counters behind their closing line
 * "N passed, N failed", the CHECK that counts, and scratch paths.
 */
#ifndef KETAMA_TEST_CHECK_H
#define KETAMA_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int passed, failed;

#define CHECK(cond, ...)                                                                      \
    do {                                                                                      \
        if (cond) {                                                                           \
            passed++;                                                                         \
        } else {                                                                              \
            failed++;                                                                         \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                            \
            printf(__VA_ARGS__);                                                              \
            printf("\n");                                                                     \
        }                                                                                     \
    } while (0)

/* `dir/name`, to free. */
static char *path_in(const char *dir, const char *name) {
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0) exit(2);
    return p;
}

#endif
