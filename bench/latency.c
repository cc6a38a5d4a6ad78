/*
 * The memory latency a lookup pays on this machine: a chase of dependent loads through a
 * random cycle of cache lines spread over arrays the size of a continuum's parts (its search
 * table, its entries, its 44 MB `mcs` array at 10,000 servers), so that each load waits for the
 * one before it, as a lookup's table -> entries -> mcs reads do. Each size is measured in
 * ordinary 4 KiB pages and with madvise(MADV_HUGEPAGE) (what the library asks for its arrays);
 * where the TLB cannot cover the array, a load also pays a page walk, which in a virtual
 * machine walks the host's tables too.
 *
 * A lookup's time at 10,000 servers cannot fall below the time at 8 servers (where all of it
 * is in L1 and L2) plus the latency of the misses it must wait for one after the other.
 *
 * Usage: latency [STEPS]      (default: 4,000,000 loads per array size; median of 5 runs)
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

enum { LINE = 64, RUNS = 5 };

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static uint64_t next_random(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ns per dependent load through `bytes` of memory, in huge pages or not. */
static double chase(size_t bytes, int huge, size_t steps) {
    size_t lines = bytes / LINE;
    char *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    madvise(mem, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    /* A random cyclic order of all lines (Sattolo's shuffle), each line pointing to the next. */
    size_t *order = malloc(lines * sizeof *order);
    for (size_t i = 0; i < lines; i++) order[i] = i;
    uint64_t seed = 0x9e3779b97f4a7c15u;
    for (size_t i = lines - 1; i > 0; i--) {
        size_t j = (size_t)(next_random(&seed) % i), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < lines; i++) *(void **)(mem + order[i] * LINE) = mem + order[(i + 1) % lines] * LINE;
    free(order);

    double v[RUNS];
    void **p = (void **)mem;
    for (size_t i = 0; i < lines; i++) p = *p; /* warm the caches as far as they hold it */
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_ns();
        for (size_t i = 0; i < steps; i++) p = *p;
        v[r] = (now_ns() - t0) / (double)steps;
    }
    if (p == NULL) puts(""); /* keeps the chase */
    munmap(mem, bytes);
    qsort(v, RUNS, sizeof *v, by_value);
    return v[RUNS / 2];
}

int main(int argc, char **argv) {
    size_t steps = argc > 1 ? strtoul(argv[1], NULL, 10) : 4000000;
    static const struct {
        size_t bytes;
        const char *what;
    } sizes[] = {
        {16 << 10, "L1"},
        {256 << 10, "L2"},
        {1 << 20, "search table, 10,000 servers"},
        {7 << 20, "search table + entries, 10,000 servers"},
        {44 << 20, "mcs array, 10,000 servers"},
        {512 << 20, "far past the last-level cache"},
    };
    printf("dependent loads through a random cycle of cache lines, ns a load (median of %d runs of %zu)\n", RUNS,
           steps);
    printf("%10s %12s %12s  %s\n", "bytes", "4 KiB pages", "huge pages", "like");
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        double small = chase(sizes[i].bytes, 0, steps), huge = chase(sizes[i].bytes, 1, steps);
        printf("%10zu %12.1f %12.1f  %s\n", sizes[i].bytes, small, huge, sizes[i].what);
        fflush(stdout);
    }
    return 0;
}
