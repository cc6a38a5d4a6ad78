/*
 * What the C test programs share: the CHECK macro and its counters, file helpers, and the
 * closing "N passed, N failed" line. Include it after defining _GNU_SOURCE (asprintf).
 */
#ifndef KETAMA_TEST_HARNESS_H
#define KETAMA_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static inline char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t size = 0, cap = 0, n;
    char chunk[65536];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (size + n + 1 > cap) {
            cap = (size + n + 1) * 2;
            buf = realloc(buf, cap);
        }
        memcpy(buf + size, chunk, n);
        size += n;
    }
    fclose(f);
    if (!buf) buf = calloc(1, 1);
    buf[size] = '\0';
    if (len) *len = size;
    return buf;
}

static inline void write_all(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

static inline char *path_in(const char *dir, const char *name) {
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0) exit(2);
    return p;
}

/* Prints the closing line; the exit status of the program. */
static inline int finish(void) {
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}

#endif
