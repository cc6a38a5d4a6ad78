/*
 * Thread-safety stress test: 8 threads roll, create, look up and free continua, private and
 * shared, while another thread keeps replacing a server file between two valid contents.
 * Every answer must be the right answer for one of the two contents, and the whole of one
 * continuum must belong to one of them.
 *
 * Usage: stress SCRATCH_DIR [SECONDS]   (default 2 seconds)
 * Prints one line per failure and closes with "N passed, N failed".
 */
#define _GNU_SOURCE
#include <ketama.h>

#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

enum { WORKERS = 8, KEYS = 200, VERSIONS = 2 };

static const char *const contents[VERSIONS] = {
    "10.0.0.1:11211\t100\n10.0.0.2:11211\t200\n10.0.0.3:11211\t300\n",
    "10.0.0.1:11211\t100\n10.0.0.2:11211\t200\n10.0.0.3:11211\t300\n10.0.0.4:11211\t400\n",
};
static const ketama_server servers[VERSIONS][4] = {
    {{"10.0.0.1:11211", 100}, {"10.0.0.2:11211", 200}, {"10.0.0.3:11211", 300}},
    {{"10.0.0.1:11211", 100}, {"10.0.0.2:11211", 200}, {"10.0.0.3:11211", 300}, {"10.0.0.4:11211", 400}},
};
static const unsigned counts[VERSIONS] = {3, 4};

static char keys[KEYS][16];
static int want_index[VERSIONS][KEYS];
static unsigned want_point[VERSIONS][KEYS];
static int want_numpoints[VERSIONS];

static char *shared_path;
static ketama_continuum shared[VERSIONS]; /* looked up by every thread at once */
static atomic_int stop;
static atomic_long wrong, rolls, creates, shared_lookups, rewrites;

/* Which version a continuum is, or -1. */
static int version_of(ketama_continuum c) {
    for (int v = 0; v < VERSIONS; v++)
        if (c->numpoints == want_numpoints[v]) return v;
    return -1;
}

/* Whether every key maps as version `v` says, through both lookup functions. */
static int answers_as(ketama_continuum c, int v) {
    for (int k = 0; k < KEYS; k++) {
        mcs *m = ketama_get_server(keys[k], c);
        int i = get_server(c, keys[k], strlen(keys[k]));
        if (!m || m->point != want_point[v][k] || i != want_index[v][k] ||
            strncmp(m->ip, servers[v][i].addr, 22) != 0)
            return 0;
    }
    return 1;
}

static void *writer(void *unused) {
    (void)unused;
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.tmp", shared_path) < 0) exit(2);
    for (int v = 1; !atomic_load(&stop); v ^= 1) {
        /* Replaced whole, as configuration tools do, so a reader never sees half a file. */
        write_all(tmp, contents[v]);
        rename(tmp, shared_path);
        atomic_fetch_add(&rewrites, 1);
        usleep(500);
    }
    free(tmp);
    return NULL;
}

static void *worker(void *arg) {
    unsigned seed = (unsigned)(size_t)arg;
    while (!atomic_load(&stop)) {
        switch (rand_r(&seed) % 3) {
        case 0: {
            ketama_continuum c;
            int v = ketama_roll(&c, shared_path) ? version_of(c) : -1;
            if (v < 0 || !answers_as(c, v)) atomic_fetch_add(&wrong, 1);
            ketama_smoke(c);
            atomic_fetch_add(&rolls, 1);
            break;
        }
        case 1: {
            int v = (int)(rand_r(&seed) % VERSIONS);
            ketama_continuum c = create_ketama(servers[v], counts[v]);
            if (!c || version_of(c) != v || !answers_as(c, v)) atomic_fetch_add(&wrong, 1);
            ketama_free(c);
            atomic_fetch_add(&creates, 1);
            break;
        }
        default:
            for (int v = 0; v < VERSIONS; v++)
                if (!answers_as(shared[v], v)) atomic_fetch_add(&wrong, 1);
            atomic_fetch_add(&shared_lookups, 1);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s SCRATCH_DIR [SECONDS]\n", argv[0]);
        return 2;
    }
    double seconds = argc > 2 ? atof(argv[2]) : 2.0;
    shared_path = path_in(argv[1], "stress.servers");

    /* The right answers, from a roll of each content on its own. */
    for (int v = 0; v < VERSIONS; v++) {
        write_all(shared_path, contents[v]);
        ketama_continuum c;
        CHECK(ketama_roll(&c, shared_path) == 1, "version %d rolls: %s", v, ketama_error());
        want_numpoints[v] = c->numpoints;
        for (int k = 0; k < KEYS; k++) {
            snprintf(keys[k], sizeof keys[k], "key-%d", k);
            want_index[v][k] = get_server(c, keys[k], strlen(keys[k]));
            want_point[v][k] = ketama_get_server(keys[k], c)->point;
        }
        ketama_smoke(c);
    }
    CHECK(want_numpoints[0] != want_numpoints[1], "the versions differ in size");
    shared[0] = create_ketama(servers[0], counts[0]);
    CHECK(ketama_roll(&shared[1], shared_path) == 1, "shared roll");

    pthread_t w, t[WORKERS];
    pthread_create(&w, NULL, writer, NULL);
    for (size_t i = 0; i < WORKERS; i++) pthread_create(&t[i], NULL, worker, (void *)(i + 1));
    struct timespec pause = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&pause, NULL);
    atomic_store(&stop, 1);
    for (int i = 0; i < WORKERS; i++) pthread_join(t[i], NULL);
    pthread_join(w, NULL);

    printf("stress: %.1f s, %ld rolls, %ld creates, %ld shared lookup rounds, %ld rewrites\n",
           seconds, atomic_load(&rolls), atomic_load(&creates), atomic_load(&shared_lookups),
           atomic_load(&rewrites));
    CHECK(atomic_load(&wrong) == 0, "%ld wrong answers", atomic_load(&wrong));
    CHECK(atomic_load(&rolls) > 0 && atomic_load(&creates) > 0 && atomic_load(&shared_lookups) > 0 &&
              atomic_load(&rewrites) > 1,
          "every operation ran");
    ketama_free(shared[0]);
    ketama_smoke(shared[1]);
    free(shared_path);
    return finish();
}
