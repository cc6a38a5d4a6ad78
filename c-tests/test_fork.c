/*
 * Fork safety (issue 16), as a pre-fork server uses the library: the parent rolls a server
 * file and builds a continuum from an array, then keeps two threads rolling, creating,
 * looking up and freeing while it forks children. Each child, under an alarm, must be able
 * to use every function at once: roll the same file, look up, smoke, create, free, and use
 * the continua the parent made before the fork (same answers as in the parent), then free
 * them. A child that hangs is killed by its alarm and counted.
 *
 * Run once with a freshly written file (every roll reads it again: the cache trusts a stamp
 * only when the mtime is old) and once with a file aged 60 s (rolls are answered from the
 * cache by stat alone).
 *
 * Usage: test_fork SCRATCH_DIR [CHILDREN] [ALARM_SECONDS]   (default 300 children, 5 s)
 * Closes with "N passed, N failed".
 */
#define _GNU_SOURCE
#include <ketama.h>

#include "harness.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { SERVERS = 4, KEYS = 64, THREADS = 2, MAX_ALIVE = 32 };

static const char contents[] = "10.0.0.1:11211\t100\n10.0.0.2:11211\t200\n"
                               "10.0.0.3:11211\t300\n10.0.0.4:11211\t400\n";
static const ketama_server servers[SERVERS] = {
    {"10.0.0.1:11211", 100}, {"10.0.0.2:11211", 200},
    {"10.0.0.3:11211", 300}, {"10.0.0.4:11211", 400},
};

/* The parent's answers, taken before any thread starts; a child compares with them. */
static char keys[KEYS][16];
static const char *key_ptrs[KEYS];
static size_t key_lens[KEYS];
static unsigned want_point[KEYS];
static int want_index[KEYS];
static unsigned want_hashi[KEYS];
static unsigned char want_digest[KEYS][16];
static int want_numpoints;

static const char *path;
static ketama_continuum rolled, created; /* made by the parent before forking */
static atomic_int stop;
static atomic_long wrong, loops;

/* Whether continuum `c` gives the parent's answer for every key, through every lookup. */
static int answers_right(ketama_continuum c) {
    if (c == NULL || c->numpoints != want_numpoints) return 0;
    int batch[KEYS];
    if (get_servers(c, key_ptrs, key_lens, KEYS, batch) != 0) return 0;
    for (int k = 0; k < KEYS; k++) {
        mcs *m = ketama_get_server(keys[k], c);
        if (m == NULL || m->point != want_point[k] || get_server(c, keys[k], key_lens[k]) != want_index[k] ||
            batch[k] != want_index[k] || strncmp(m->ip, servers[want_index[k]].addr, 22) != 0)
            return 0;
    }
    ketama_server_info info;
    return ketama_server_count(c) == SERVERS && ketama_server_at(c, SERVERS - 1, &info) == 0 &&
           strcmp(info.addr, servers[SERVERS - 1].addr) == 0;
}

/* What each parent thread loops on: the calls a request or reload thread makes, one key at a
 * time, with a continuum built from the array every 16th turn, so that most of the time goes
 * to rolling; every answer is checked now and then. */
static void *user(void *unused) {
    (void)unused;
    for (long n = 0; !atomic_load(&stop); n++) {
        int k = (int)(n % KEYS), full = n % KEYS == 0;
        ketama_continuum c;
        mcs *m;
        if (ketama_roll(&c, (char *)path) != 1 || (m = ketama_get_server(keys[k], c)) == NULL ||
            m->point != want_point[k] || (full && !answers_right(c)))
            atomic_fetch_add(&wrong, 1);
        ketama_smoke(c);
        if (n % 16 == 0) {
            c = create_ketama(servers, SERVERS);
            if (get_server(c, keys[k], key_lens[k]) != want_index[k] || (full && !answers_right(c)))
                atomic_fetch_add(&wrong, 1);
            ketama_free(c);
        }
        if (get_server(rolled, keys[k], key_lens[k]) != want_index[k] ||
            get_server(created, keys[k], key_lens[k]) != want_index[k])
            atomic_fetch_add(&wrong, 1);
        atomic_fetch_add(&loops, 1);
    }
    return NULL;
}

/* A child's work; its exit status. Says what went wrong on stderr (stdout is /dev/null). */
static int child(void) {
    int bad = 0;
#define EXPECT(cond)                                                                          \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "child %d: %s\n", (int)getpid(), #cond);                          \
            bad = 1;                                                                          \
        }                                                                                     \
    } while (0)
    ketama_continuum c;
    EXPECT(ketama_roll(&c, (char *)path) == 1);
    EXPECT(ketama_error()[0] == '\0');
    EXPECT(answers_right(c));
    ketama_print_continuum(c);
    ketama_smoke(c);
    c = create_ketama(servers, SERVERS);
    EXPECT(answers_right(c));
    ketama_free(c);
    EXPECT(ketama_roll(&c, NULL) == 0 && strstr(ketama_error(), "NULL") != NULL);
    ketama_smoke(c);
    for (int k = 0; k < KEYS; k++) {
        unsigned char digest[16];
        ketama_md5_digest(keys[k], digest);
        EXPECT(ketama_hashi(keys[k]) == want_hashi[k] && memcmp(digest, want_digest[k], 16) == 0);
    }
    mcs a = {1, ""}, b = {2, ""};
    EXPECT(ketama_compare(&a, &b) == -1);
    /* The parent's continua: valid here, the same answers, and this process's to free. */
    EXPECT(answers_right(rolled));
    EXPECT(answers_right(created));
    ketama_smoke(rolled);
    ketama_free(created);
#undef EXPECT
    return bad;
}

/* Forks `children` children while the threads run; counts how they ended. */
static void fork_children(const char *what, int children, unsigned alarm_seconds) {
    int ok = 0, hung = 0, failed_status = 0, crashed = 0, reaped = 0, fork_failed = 0;
    unsigned seed = 1;
    fflush(NULL); /* nothing buffered is written twice by a child */
    for (int i = 0; i < children || reaped < i - fork_failed;) {
        int alive = i - fork_failed - reaped;
        int status;
        pid_t pid = 0;
        if (i < children && alive < MAX_ALIVE) {
            /* A few microseconds apart, so the forks fall anywhere in the threads' loops. */
            struct timespec pause = {0, (long)(rand_r(&seed) % 50) * 1000};
            nanosleep(&pause, NULL);
            pid_t child_pid = fork();
            if (child_pid == 0) {
                alarm(alarm_seconds);
                if (freopen("/dev/null", "w", stdout) == NULL) _exit(3);
                _exit(child());
            }
            i++;
            if (child_pid < 0) {
                fork_failed++;
                continue;
            }
            pid = waitpid(-1, &status, WNOHANG);
        } else {
            pid = waitpid(-1, &status, 0);
        }
        if (pid <= 0) continue;
        reaped++;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            ok++;
        else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
            hung++;
        else if (WIFEXITED(status))
            failed_status++;
        else
            crashed++;
    }
    printf("fork (%s file): %d children: %d fine, %d hung, %d failed, %d crashed\n", what,
           children, ok, hung, failed_status, crashed);
    CHECK(fork_failed == 0, "%d forks failed", fork_failed);
    CHECK(hung == 0, "%s file: %d of %d children hung (killed by the %u-second alarm)", what,
          hung, children, alarm_seconds);
    CHECK(failed_status == 0 && crashed == 0, "%s file: %d children failed, %d crashed", what,
          failed_status, crashed);
    CHECK(ok == children, "%s file: %d of %d children finished well", what, ok, children);
}

static void scenario(const char *dir, const char *what, time_t age, int children,
                     unsigned alarm_seconds) {
    char *file = path_in(dir, what);
    write_all(file, contents);
    if (age > 0) {
        struct timeval now, times[2];
        gettimeofday(&now, NULL);
        times[0] = times[1] = (struct timeval){now.tv_sec - age, 0};
        if (utimes(file, times) != 0) perror("utimes");
    }
    path = file;
    CHECK(ketama_roll(&rolled, (char *)path) == 1, "%s: %s", what, ketama_error());
    created = create_ketama(servers, SERVERS);
    CHECK(created != NULL, "create_ketama: %s", ketama_error());
    want_numpoints = rolled->numpoints;
    for (int k = 0; k < KEYS; k++) {
        want_point[k] = ketama_get_server(keys[k], rolled)->point;
        want_index[k] = get_server(rolled, keys[k], key_lens[k]);
    }
    CHECK(answers_right(rolled) && answers_right(created), "%s: the parent's answers agree", what);

    atomic_store(&stop, 0);
    atomic_store(&loops, 0);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, user, NULL);
    while (atomic_load(&loops) == 0) sched_yield();
    fork_children(what, children, alarm_seconds);
    atomic_store(&stop, 1);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);

    CHECK(atomic_load(&wrong) == 0, "%s: the parent's threads saw %ld wrong answers", what,
          atomic_load(&wrong));
    /* The children freed their copies; the parent's are untouched. */
    CHECK(answers_right(rolled) && answers_right(created),
          "%s: the parent's continua after the children freed theirs", what);
    ketama_smoke(rolled);
    ketama_free(created);
    free(file);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s SCRATCH_DIR [CHILDREN] [ALARM_SECONDS]\n", argv[0]);
        return 2;
    }
    int children = argc > 2 ? atoi(argv[2]) : 300;
    unsigned alarm_seconds = argc > 3 ? (unsigned)atoi(argv[3]) : 5;
    /* The whole run is bounded too: a parent that hangs is killed. */
    alarm(120 + 2 * alarm_seconds);
    for (int k = 0; k < KEYS; k++) {
        snprintf(keys[k], sizeof keys[k], "key-%d", k);
        key_ptrs[k] = keys[k];
        key_lens[k] = strlen(keys[k]);
        want_hashi[k] = ketama_hashi(keys[k]);
        ketama_md5_digest(keys[k], want_digest[k]);
    }
    scenario(argv[1], "fresh", 0, children, alarm_seconds);
    scenario(argv[1], "aged", 60, children, alarm_seconds);
    return finish();
}
