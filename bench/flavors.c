/*
 * Every flavor of the library, timed on one server list and one key file: the ring's build
 * (create_ketama_flavor), a single lookup (get_server) and a batch (get_servers), so that
 * bench/clients.sh can print them beside each real client's own lookup, timed in its own
 * runtime in the same run. And the build of the rings of W * 160 points (nginx, pecl memcache)
 * for a fleet of heavy weights: pecl memcache itself took 30 s for 200 servers of weight 1000.
 *
 *     flavors LIST KEYS_FILE REPS [HEAVY_SERVERS HEAVY_WEIGHT]
 *
 * Prints, per flavor, `FLAVOR build: X ms single: Y ns/key batch: Z ns/key`: medians over
 * REPS passes (one warm-up pass first), each timed with clock_gettime(CLOCK_MONOTONIC).
 */
#define _GNU_SOURCE
#include <ketama.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timing.h"

static volatile long sink; /* keeps the lookups alive */

/* The servers of a list: `ADDRESS WEIGHT` a line, `#` comments. */
static ketama_server *read_list(const char *path, unsigned *count) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    ketama_server *servers = NULL;
    char *line = NULL;
    size_t cap = 0;
    unsigned n = 0;
    while (getline(&line, &cap, f) != -1) {
        line[strcspn(line, "#")] = '\0';
        char *save = NULL, *addr = strtok_r(line, " \t\r\n", &save);
        if (!addr) continue;
        char *weight = strtok_r(NULL, " \t\r\n", &save);
        servers = realloc(servers, (n + 1) * sizeof *servers);
        servers[n].addr = strdup(addr);
        servers[n].weight = weight ? strtoul(weight, NULL, 10) : 1;
        n++;
    }
    free(line);
    fclose(f);
    *count = n;
    return servers;
}

/* The keys of a file, one a line. */
static size_t read_keys(const char *path, char ***keys, size_t **lens) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    char *line = NULL;
    size_t cap = 0, n = 0;
    ssize_t len;
    *keys = NULL;
    *lens = NULL;
    while ((len = getline(&line, &cap, f)) != -1) {
        if (len > 0 && line[len - 1] == '\n') line[--len] = '\0';
        *keys = realloc(*keys, (n + 1) * sizeof **keys);
        *lens = realloc(*lens, (n + 1) * sizeof **lens);
        (*keys)[n] = strndup(line, (size_t)len);
        (*lens)[n] = (size_t)len;
        n++;
    }
    free(line);
    fclose(f);
    return n;
}

/* Median ms to build `flavor`'s ring of `servers`. */
static double build_ms(const ketama_server *servers, unsigned count, const char *flavor,
                       int reps) {
    double t[64];
    if (reps > 64) reps = 64;
    for (int r = 0; r < reps; r++) {
        double t0 = now_ns();
        ketama_continuum c = create_ketama_flavor(servers, count, flavor);
        t[r] = (now_ns() - t0) / 1e6;
        if (!c) {
            fprintf(stderr, "%s: %s\n", flavor, ketama_error());
            exit(1);
        }
        ketama_free(c);
    }
    return median(t, reps);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s LIST KEYS_FILE REPS [HEAVY_SERVERS HEAVY_WEIGHT]\n", argv[0]);
        return 2;
    }
    unsigned count;
    ketama_server *servers = read_list(argv[1], &count);
    char **keys;
    size_t *lens;
    size_t nkeys = read_keys(argv[2], &keys, &lens);
    int reps = atoi(argv[3]) < 1 ? 1 : atoi(argv[3]);
    double *single = calloc((size_t)reps, sizeof *single);
    double *batch = calloc((size_t)reps, sizeof *batch);
    int *out = calloc(nkeys, sizeof *out);
    printf("%u servers (%s), %zu keys, medians of %d passes\n", count, argv[1], nkeys, reps);
    for (unsigned f = 0; ketama_flavor_name(f); f++) {
        const char *flavor = ketama_flavor_name(f);
        double built = build_ms(servers, count, flavor, reps);
        ketama_continuum c = create_ketama_flavor(servers, count, flavor);
        for (int r = -1; r < reps; r++) {
            double t0 = now_ns();
            long s = 0;
            for (size_t k = 0; k < nkeys; k++) s += get_server(c, keys[k], lens[k]);
            double t1 = now_ns();
            get_servers(c, (const char *const *)keys, lens, nkeys, out);
            double t2 = now_ns();
            sink += s + out[0];
            if (r >= 0) {
                single[r] = (t1 - t0) / (double)nkeys;
                batch[r] = (t2 - t1) / (double)nkeys;
            }
        }
        printf("%-32s build: %8.3f ms  single: %7.1f ns/key  batch: %7.1f ns/key\n", flavor,
               built, median(single, reps), median(batch, reps));
        ketama_free(c);
    }
    if (argc > 5) {
        unsigned heavy = (unsigned)atoi(argv[4]);
        unsigned long weight = strtoul(argv[5], NULL, 10);
        ketama_server *fleet = calloc(heavy, sizeof *fleet);
        for (unsigned i = 0; i < heavy; i++) {
            char *addr;
            if (asprintf(&addr, "10.0.%u.%u:11211", i / 256, i % 256) < 0) return 1;
            fleet[i] = (ketama_server){addr, weight};
        }
        printf("%u servers of weight %lu (%lu points to hash):\n", heavy, weight,
               160ul * weight * heavy);
        const char *heavies[] = {"pecl-memcache", "pecl-memcache:fnv", "nginx"};
        for (size_t h = 0; h < sizeof heavies / sizeof *heavies; h++) {
            ketama_continuum c = create_ketama_flavor(fleet, heavy, heavies[h]);
            if (!c) {
                printf("%-32s refused: %s\n", heavies[h], ketama_error());
                continue;
            }
            ketama_free(c);
            printf("%-32s build: %8.1f ms\n", heavies[h], build_ms(fleet, heavy, heavies[h], 3));
        }
    }
    return 0;
}
