/*
 * Benchmark of a libketama, through its C ABI only, side by side with libmemcached's ketama
 * (consistent, weighted, MD5) in the same run.
 *
 * It links libketama.so.1 like any client; the functions the original lacks (get_server,
 * get_servers) are looked up at run time, so the same source measures any libketama.
 * Every figure is the median of REPS repetitions.
 *
 * Then lookup throughput over threads (1, 2 and every core), each thread looking up its own
 * keys in one shared continuum.
 *
 * Usage: bench [REPS] [KEYS]      (defaults: 5 repetitions, 1000000 keys)
 */
#define _GNU_SOURCE
#include <ketama.h>

#include <dlfcn.h>
#include <libmemcached/memcached.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "timing.h"
#include <unistd.h>

typedef int (*get_server_fn)(ketama_continuum, const char *, size_t);
typedef int (*get_servers_fn)(ketama_continuum, const char *const *, const size_t *, size_t, int *);

enum { MAX_REPS = 31, BATCH = 128, MEMCACHED_MAX_SERVERS = 100 };

static int reps = 5;
static size_t nkeys = 1000000;
static char **keys;
static size_t *key_lens;
static volatile unsigned long sink; /* keeps results alive */

static unsigned long weight_of(int i) { return 100 + (unsigned long)(i * 7919) % 900; }

static void server_addr(int i, char *out, size_t size) {
    snprintf(out, size, "10.%d.%d.%d", i / 65536, (i / 256) % 256, i % 256);
}

static void write_servers(const char *path, int n) {
    FILE *f = fopen(path, "w");
    char addr[32];
    for (int i = 0; i < n; i++) {
        server_addr(i, addr, sizeof addr);
        fprintf(f, "%s:11211\t%lu\n", addr, weight_of(i));
    }
    fclose(f);
}

/* Sets a file's mtime a minute back: a deployed server file is not being written to. */
static void age(const char *path) {
    struct timeval t[2];
    gettimeofday(&t[0], NULL);
    t[0].tv_sec -= 60;
    t[1] = t[0];
    utimes(path, t);
}

static memcached_st *memcached_with(int n) {
    memcached_st *memc = memcached_create(NULL);
    memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_DISTRIBUTION, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA);
    memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);
    memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_KETAMA_HASH, MEMCACHED_HASH_MD5);
    memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_HASH, MEMCACHED_HASH_MD5);
    memcached_server_list_st list = NULL;
    memcached_return_t rc;
    char addr[32];
    for (int i = 0; i < n; i++) {
        server_addr(i, addr, sizeof addr);
        list = memcached_server_list_append_with_weight(list, addr, 11211, (uint32_t)weight_of(i), &rc);
    }
    memcached_server_push(memc, list);
    memcached_server_list_free(list);
    return memc;
}

/* Lookup throughput over threads: each thread looks up KEYS keys of its own (the key array from
 * its own offset on) in one shared continuum, all starting together; the figure is all
 * threads' lookups over the time the last one took. */
enum { BY_LEGACY, BY_SINGLE, BY_BATCH, LOOKUP_KINDS };

struct lookup_thread {
    pthread_t id;
    ketama_continuum c;
    int kind;
    size_t offset;
    pthread_barrier_t *start;
    double t0, t1;
};

static get_server_fn get_server_p;
static get_servers_fn get_servers_p;

static void *lookup_thread_run(void *arg) {
    struct lookup_thread *t = arg;
    int *found = malloc(BATCH * sizeof *found);
    unsigned long local = 0;
    pthread_barrier_wait(t->start);
    t->t0 = now_ns();
    for (size_t i = 0; i + BATCH <= nkeys; i += BATCH) {
        size_t at = (t->offset + i) % (nkeys - BATCH + 1);
        if (t->kind == BY_BATCH) {
            get_servers_p(t->c, (const char *const *)keys + at, key_lens + at, BATCH, found);
            local += (unsigned long)found[0];
        } else
            for (size_t k = at; k < at + BATCH; k++)
                local += t->kind == BY_LEGACY ? ketama_get_server(keys[k], t->c)->point
                                              : (unsigned long)get_server_p(t->c, keys[k], key_lens[k]);
    }
    t->t1 = now_ns();
    sink += local;
    free(found);
    return NULL;
}

/* Millions of lookups a second with `threads` threads. */
static double lookup_throughput(ketama_continuum c, int kind, int threads) {
    struct lookup_thread t[64];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    for (int i = 0; i < threads; i++) {
        t[i] = (struct lookup_thread){.c = c, .kind = kind, .offset = nkeys / (size_t)threads * (size_t)i,
                                      .start = &start};
        pthread_create(&t[i].id, NULL, lookup_thread_run, &t[i]);
    }
    double first = 0, last = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i].id, NULL);
        if (i == 0 || t[i].t0 < first) first = t[i].t0;
        if (t[i].t1 > last) last = t[i].t1;
    }
    pthread_barrier_destroy(&start);
    return (double)threads * (double)(nkeys / BATCH * BATCH) / (last - first) * 1e3;
}

static void threads_report(const char *dir) {
    int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    int counts[3] = {1, 2, cores > 64 ? 64 : cores}, ncounts = cores > 2 ? 3 : cores > 1 ? 2 : 1;
    printf("\nlookups over threads, Mkeys/s (each thread its own keys, one shared continuum), median of %d runs\n",
           reps);
    printf("%7s %8s %14s %11s %12s %9s\n", "servers", "threads", "ketama_get_srv", "get_server", "get_servers",
           "scaling");
    const int sizes[] = {8, 10000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        char path[128];
        snprintf(path, sizeof path, "%s/threads-%d.servers", dir, sizes[s]);
        write_servers(path, sizes[s]);
        ketama_continuum c;
        if (!ketama_roll(&c, path)) {
            fprintf(stderr, "roll failed: %s\n", ketama_error());
            exit(1);
        }
        double one = 0;
        for (int k = 0; k < ncounts; k++) {
            double m[LOOKUP_KINDS] = {0}, v[MAX_REPS];
            for (int kind = 0; kind < LOOKUP_KINDS; kind++) {
                if ((kind == BY_SINGLE && !get_server_p) || (kind == BY_BATCH && !get_servers_p)) continue;
                for (int r = 0; r < reps; r++) v[r] = lookup_throughput(c, kind, counts[k]);
                m[kind] = median(v, reps);
            }
            double best = m[BY_BATCH] > 0 ? m[BY_BATCH] : m[BY_LEGACY];
            if (k == 0) one = best;
            printf("%7d %8d %14.2f %11.2f %12.2f %8.2fx\n", sizes[s], counts[k], m[BY_LEGACY], m[BY_SINGLE],
                   m[BY_BATCH], best / one);
            fflush(stdout);
        }
        ketama_smoke(c);
        unlink(path);
    }
    printf("scaling: the best of the three (get_servers where there is one) against 1 thread.\n");
}

int main(int argc, char **argv) {
    if (argc > 1) reps = atoi(argv[1]);
    if (argc > 2) nkeys = strtoul(argv[2], NULL, 10);
    if (reps < 1 || reps > MAX_REPS || nkeys < BATCH) {
        fprintf(stderr, "usage: %s [REPS 1..%d] [KEYS >= %d]\n", argv[0], MAX_REPS, BATCH);
        return 2;
    }
    get_server_p = (get_server_fn)dlsym(RTLD_DEFAULT, "get_server");
    get_servers_p = (get_servers_fn)dlsym(RTLD_DEFAULT, "get_servers");
    Dl_info info;
    dladdr((void *)ketama_roll, &info);

    char cpu[256] = "unknown";
    FILE *ci = fopen("/proc/cpuinfo", "r");
    for (char line[512]; ci && fgets(line, sizeof line, ci);)
        if (strncmp(line, "model name", 10) == 0) {
            snprintf(cpu, sizeof cpu, "%s", strchr(line, ':') + 2);
            cpu[strcspn(cpu, "\n")] = '\0';
            break;
        }
    if (ci) fclose(ci);
    printf("command: ");
    for (int i = 0; i < argc; i++) printf("%s%s", argv[i], i + 1 < argc ? " " : "\n");
    printf("machine: %s, %ld cores\nlibketama: %s\n", cpu, sysconf(_SC_NPROCESSORS_ONLN), info.dli_fname);
    printf("libmemcached: %s (ketama, weighted, MD5)\n", memcached_lib_version());
    printf("%zu distinct keys, median of %d runs, batch of %d keys per get_servers call\n\n", nkeys, reps, BATCH);

    keys = malloc(nkeys * sizeof *keys);
    key_lens = malloc(nkeys * sizeof *key_lens);
    for (size_t i = 0; i < nkeys; i++) {
        if (asprintf(&keys[i], "user:%zu:profile", i * 2654435761u % 1000000007u) < 0) return 2;
        key_lens[i] = strlen(keys[i]);
    }
    int *out = malloc(nkeys * sizeof *out);

    char dir[] = "/tmp/ketama-bench-XXXXXX";
    if (!mkdtemp(dir)) return 2;
    printf("%7s %9s %12s %13s %11s %11s %11s %11s %9s %9s\n", "servers", "points", "first roll",
           "repeat roll", "get_server", "get_server", "get_servers", "memcached", "single", "batch");
    printf("%7s %9s %12s %13s %11s %11s %11s %11s %9s %9s\n", "", "", "ms", "us", "ns/key", "(new) ns",
           "ns/key", "ns/key", "vs memc", "vs memc");

    const int sizes[] = {8, 100, 1000, 10000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int n = sizes[s];
        double first[MAX_REPS], again[MAX_REPS], legacy[MAX_REPS], single[MAX_REPS], batch[MAX_REPS],
            memc_ns[MAX_REPS];
        int numpoints = 0;
        char path[128];
        for (int r = 0; r < reps; r++) {
            /* A new path each time: the first roll of a file in this process. */
            snprintf(path, sizeof path, "%s/%d-%d.servers", dir, n, r);
            write_servers(path, n);
            age(path);
            ketama_continuum c;
            double t0 = now_ns();
            if (!ketama_roll(&c, path)) {
                fprintf(stderr, "roll failed: %s\n", ketama_error());
                return 1;
            }
            first[r] = (now_ns() - t0) / 1e6;
            numpoints = c->numpoints;

            enum { ROLLS = 2000 };
            t0 = now_ns();
            for (int i = 0; i < ROLLS; i++) {
                ketama_continuum again_c;
                ketama_roll(&again_c, path);
                sink += (unsigned long)again_c->numpoints;
                ketama_smoke(again_c);
            }
            again[r] = (now_ns() - t0) / ROLLS / 1e3;

            t0 = now_ns();
            for (size_t i = 0; i < nkeys; i++) sink += ketama_get_server(keys[i], c)->point;
            legacy[r] = (now_ns() - t0) / (double)nkeys;

            single[r] = batch[r] = 0;
            if (get_server_p) {
                t0 = now_ns();
                for (size_t i = 0; i < nkeys; i++) out[i] = get_server_p(c, keys[i], key_lens[i]);
                single[r] = (now_ns() - t0) / (double)nkeys;
            }
            if (get_servers_p) {
                t0 = now_ns();
                for (size_t i = 0; i + BATCH <= nkeys; i += BATCH)
                    get_servers_p(c, (const char *const *)keys + i, key_lens + i, BATCH, out + i);
                batch[r] = (now_ns() - t0) / (double)(nkeys / BATCH * BATCH);
                sink += (unsigned long)out[nkeys / 2];
            }
            ketama_smoke(c);
            unlink(path);

            /* libmemcached asserts (and aborts) past 100 weighted servers. */
            memc_ns[r] = 0;
            if (n <= MEMCACHED_MAX_SERVERS) {
                memcached_st *memc = memcached_with(n);
                t0 = now_ns();
                for (size_t i = 0; i < nkeys; i++) sink += memcached_generate_hash(memc, keys[i], key_lens[i]);
                memc_ns[r] = (now_ns() - t0) / (double)nkeys;
                memcached_free(memc);
            }
        }
        double m_first = median(first, reps), m_again = median(again, reps), m_legacy = median(legacy, reps),
               m_single = median(single, reps), m_batch = median(batch, reps), m_memc = median(memc_ns, reps);
        printf("%7d %9d %12.2f %13.2f %11.1f %11.1f %11.1f", n, numpoints, m_first, m_again, m_legacy,
               m_single, m_batch);
        if (m_memc > 0)
            printf(" %11.1f %8.2fx %8.2fx\n", m_memc, m_single > 0 ? m_memc / m_single : 0,
                   m_batch > 0 ? m_memc / m_batch : 0);
        else
            printf(" %11s %9s %9s\n", "n/a", "", "");
        fflush(stdout);
    }
    printf("\nsingle = libmemcached ns/key / get_server ns/key; batch = libmemcached / get_servers.\n"
           "n/a: libmemcached asserts and aborts with more than %d weighted ketama servers.\n",
           MEMCACHED_MAX_SERVERS);
    threads_report(dir);
    rmdir(dir);
    return 0;
}
