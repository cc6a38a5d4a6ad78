/*
 * libmemcached's own lookup, timed: memcached_server_by_key in the `libmemcached` flavor
 * (MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED: weighted ketama, MD5), on a server list of clients/lists/
 * and the keys of a file, for the lead's run beside our library.
 *
 *     libmemcached LIST KEYS_FILE REPS
 *
 * Prints `libmemcached single: X ns/key`, X the median over REPS passes over every key (one
 * warm-up pass first), each pass timed with clock_gettime(CLOCK_MONOTONIC).
 * Exit 78 when libmemcached cannot take the list (more than 100 servers: it aborts) or a key.
 *
 * Build: cc -std=gnu11 -O2 -Wall -Wextra -Werror -o libmemcached libmemcached.c -lmemcached
 */
#define _GNU_SOURCE
#include <libmemcached/memcached.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../timing.h"

enum { MAX_SERVERS = 100 }; /* update_continuum asserts (aborts) past 100 servers */

static volatile unsigned long sink; /* keeps the lookups alive */

/* `h:p`, `[v6]:p`, `h` (port 11211) into host (no brackets) and port; `#` comments. */
static int add_servers(memcached_st *memc, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    char *line = NULL;
    size_t cap = 0;
    int n = 0;
    while (getline(&line, &cap, f) != -1) {
        line[strcspn(line, "#")] = '\0';
        char *save = NULL, *addr = strtok_r(line, " \t\r\n", &save);
        if (!addr)
            continue;
        char *weight = strtok_r(NULL, " \t\r\n", &save);
        char *host = addr, *port = NULL;
        if (addr[0] == '[') {
            host = addr + 1;
            char *end = strchr(host, ']');
            if (end) {
                *end = '\0';
                port = end[1] == ':' ? end + 2 : NULL;
            }
        } else {
            char *colon = strchr(addr, ':');
            if (colon && !strchr(colon + 1, ':')) {
                *colon = '\0';
                port = colon + 1;
            }
        }
        if (++n > MAX_SERVERS) {
            fprintf(stderr, "libmemcached aborts with more than %d servers in its consistent modes\n", MAX_SERVERS);
            exit(78);
        }
        memcached_return_t rc = memcached_server_add_with_weight(
            memc, host, (in_port_t)(port ? atoi(port) : 11211), (uint32_t)(weight ? strtoul(weight, NULL, 10) : 1));
        if (rc != MEMCACHED_SUCCESS) {
            fprintf(stderr, "libmemcached refuses %s: %s\n", host, memcached_strerror(memc, rc));
            exit(78);
        }
    }
    free(line);
    fclose(f);
    return n;
}

int main(int argc, char **argv) {
    if (argc != 4 || atoi(argv[3]) < 1) {
        fprintf(stderr, "usage: %s LIST KEYS_FILE REPS\n", argv[0]);
        return 2;
    }
    int reps = atoi(argv[3]);

    memcached_st *memc = memcached_create(NULL);
    add_servers(memc, argv[1]);
    /* After the servers: the continuum is built once. */
    memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);

    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 2;
    }
    char **keys = NULL;
    size_t *lens = NULL, nkeys = 0, cap = 0;
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t len;
    while ((len = getline(&line, &line_cap, f)) != -1) {
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (nkeys == cap) {
            cap = cap ? 2 * cap : 1024;
            keys = realloc(keys, cap * sizeof *keys);
            lens = realloc(lens, cap * sizeof *lens);
            if (!keys || !lens)
                return 2;
        }
        keys[nkeys] = strndup(line, (size_t)len);
        lens[nkeys++] = (size_t)len;
    }
    free(line);
    fclose(f);
    if (nkeys == 0) {
        fprintf(stderr, "no keys in %s\n", argv[2]);
        return 2;
    }

    double *ns = calloc((size_t)reps, sizeof *ns);
    for (int r = -1; r < reps; r++) { /* r = -1: warm-up */
        double t0 = now_ns();
        for (size_t i = 0; i < nkeys; i++) {
            memcached_return_t rc;
            const memcached_instance_st *s = memcached_server_by_key(memc, keys[i], lens[i], &rc);
            if (!s) {
                fprintf(stderr, "libmemcached gives no server for key %zu: %s\n", i, memcached_strerror(memc, rc));
                return 78;
            }
            sink += (unsigned long)(uintptr_t)s;
        }
        if (r >= 0)
            ns[r] = (now_ns() - t0) / (double)nkeys;
    }
    qsort(ns, (size_t)reps, sizeof *ns, by_value);
    double median = reps % 2 ? ns[reps / 2] : (ns[reps / 2 - 1] + ns[reps / 2]) / 2;
    printf("libmemcached single: %.1f ns/key\n", median);

    for (size_t i = 0; i < nkeys; i++)
        free(keys[i]);
    free(keys);
    free(lens);
    free(ns);
    memcached_free(memc);
    return 0;
}
