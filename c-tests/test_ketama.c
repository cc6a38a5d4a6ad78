/*
 * The C test suite of libketama: the original's ABI and behaviour, through the public header
 * and the shared library only.
 *
 * Usage: test_ketama FIXTURE_DIR SCRATCH_DIR
 * Prints one line per failure and closes with "N passed, N failed".
 */
#define _GNU_SOURCE
#include <ketama.h>

#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The layouts of the original header (LP64). */
_Static_assert(sizeof(mcs) == 28, "mcs is 28 bytes");
_Static_assert(offsetof(mcs, point) == 0, "mcs.point at 0");
_Static_assert(offsetof(mcs, ip) == 4, "mcs.ip at 4");
_Static_assert(sizeof(((mcs *)0)->ip) == 22, "mcs.ip is 22 bytes");
_Static_assert(sizeof(serverinfo) == 32, "serverinfo is 32 bytes");
_Static_assert(offsetof(serverinfo, addr) == 0, "serverinfo.addr at 0");
_Static_assert(offsetof(serverinfo, memory) == 24, "serverinfo.memory at 24");
_Static_assert(sizeof(continuum) == 24, "continuum is 24 bytes");
_Static_assert(offsetof(continuum, numpoints) == 0, "continuum.numpoints at 0");
_Static_assert(offsetof(continuum, modtime) == 8, "continuum.modtime at 8");
_Static_assert(offsetof(continuum, array) == 16, "continuum.array at 16");
_Static_assert(MC_SHMSIZE == 524288, "MC_SHMSIZE kept");

static const char *fixture_dir, *scratch_dir;

/* What *contptr holds before a roll: a roll whose stat fails must leave it there. */
static continuum untouched;

/* `text` with every "{FILE}" replaced by `file`. */
static char *substitute(const char *text, const char *file) {
    size_t flen = strlen(file), cap = strlen(text) + 1, n = 0;
    for (const char *p = text; (p = strstr(p, "{FILE}")); p += 6) cap += flen;
    char *out = malloc(cap);
    for (const char *p = text; *p;) {
        if (strncmp(p, "{FILE}", 6) == 0) {
            memcpy(out + n, file, flen);
            n += flen;
            p += 6;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return out;
}

/* What the fixture program prints for one server file and the keys. */
static char *fixture_output(const char *servers, char *keys, ketama_continuum *out) {
    /* Static: the stream's buffer outlives the call, which GCC's dangling-pointer check
     * cannot see through open_memstream. */
    static char *text;
    static size_t len;
    FILE *o = open_memstream(&text, &len);
    ketama_continuum c = &untouched;
    int ok = ketama_roll(&c, (char *)servers);
    fprintf(o, "roll\t%d\nerror\t%s\n", ok, ketama_error());
    if (ok) {
        fprintf(o, "numpoints\t%d\n", c->numpoints);
        mcs *arr = c->array;
        for (int i = 0; i < c->numpoints; i++) fprintf(o, "point\t%u\t%.22s\n", arr[i].point, arr[i].ip);
        char *save = NULL;
        for (char *line = keys; line && *line; line = save) {
            char *nl = strchr(line, '\n');
            save = nl ? nl + 1 : NULL;
            if (nl) *nl = '\0';
            mcs *m = ketama_get_server(line, c);
            fprintf(o, "key\t%s\t%u\t%u\t%.22s\n", line, ketama_hashi(line), m->point, m->ip);
            if (nl) *nl = '\n';
        }
    }
    fclose(o);
    *out = c;
    return text;
}

/* Where the error text (second line) of an output starts. */
static size_t error_at(const char *output) {
    const char *e = strstr(output, "\nerror\t");
    return e ? (size_t)(e - output) + 7 : strlen(output);
}

static void test_fixtures(void) {
    char *keys_path = path_in(fixture_dir, "keys.txt");
    char *keys = read_all(keys_path, NULL);
    CHECK(keys != NULL, "cannot read %s", keys_path);
    DIR *d = opendir(fixture_dir);
    CHECK(d != NULL, "cannot list %s", fixture_dir);
    if (!keys || !d) return;
    int cases = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 9 || strcmp(e->d_name + n - 9, ".expected") != 0) continue;
        cases++;
        char *name = strndup(e->d_name, n - 9);
        char *servers_name = NULL, *expected_path = path_in(fixture_dir, e->d_name);
        if (asprintf(&servers_name, "%s.servers", name) < 0) exit(2);
        char *servers = path_in(fixture_dir, servers_name);
        char *raw = read_all(expected_path, NULL);
        char *expected = substitute(raw, servers);
        free(raw);
        ketama_continuum c;
        char *got = fixture_output(servers, keys, &c);
        if (strncmp(expected, "roll\t1\n", 7) == 0) {
            CHECK(strcmp(got, expected) == 0, "%s: output differs from the original's", name);
        } else {
            CHECK(strncmp(got, "roll\t0\n", 7) == 0, "%s: rolled, the original rejects it", name);
            struct stat st;
            if (stat(servers, &st) != 0) {
                /* err_missing_file: the original's ftok fails before it touches *contptr. */
                CHECK(c == &untouched, "%s: a file stat fails on leaves *contptr untouched", name);
                c = NULL;
            } else {
                CHECK(c != NULL && c != &untouched && c->numpoints == 0 && c->array == NULL,
                      "%s: a failed roll leaves an empty continuum", name);
            }
            const char *want = expected + error_at(expected), *have = got + error_at(got);
            size_t have_len = strcspn(have, "\n");
            const char *at = strstr(want, " (line ");
            if (at) {
                size_t suffix = strcspn(at, "\n");
                CHECK(have_len > suffix && strncmp(have + have_len - suffix, at, suffix) == 0,
                      "%s: error %.*s should end %.*s", name, (int)have_len, have, (int)suffix, at);
            } else {
                CHECK(strstr(have, servers) != NULL && have < strchr(have, '\n'),
                      "%s: error %.*s should name the file", name, (int)have_len, have);
            }
        }
        ketama_smoke(c);
        free(got);
        free(expected);
        free(servers);
        free(servers_name);
        free(expected_path);
        free(name);
    }
    closedir(d);
    CHECK(cases >= 31, "only %d fixtures found", cases);
    free(keys);
    free(keys_path);
}

/* The original's published check: lastfm8, keys "0".."999999". */
static void test_published_million(void) {
    char *servers = path_in(fixture_dir, "lastfm8.servers");
    ketama_continuum c;
    CHECK(ketama_roll(&c, servers) == 1, "lastfm8 rolls: %s", ketama_error());
    char *text = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&text, &len);
    fprintf(o, "%s\n", ketama_error());
    char key[16];
    for (int i = 0; i < 1000000; i++) {
        sprintf(key, "%d", i);
        mcs *m = ketama_get_server(key, c);
        fprintf(o, "%u %u %s\n", ketama_hashi(key), m->point, m->ip);
    }
    fclose(o);
    unsigned char digest[16];
    char hex[33];
    ketama_md5_digest(text, digest);
    for (int i = 0; i < 16; i++) sprintf(hex + 2 * i, "%02x", digest[i]);
    CHECK(strcmp(hex, "5672b131391f5aa2b280936aec1eea74") == 0, "1M-key MD5 is %s", hex);
    free(text);
    ketama_smoke(c);
    free(servers);
}

/* Runs `fn(arg)` with stdout sent to a file, and returns what it printed. */
static char *capture_stdout(void (*fn)(ketama_continuum), ketama_continuum arg) {
    char *path = path_in(scratch_dir, "stdout.txt");
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    FILE *f = fopen(path, "w");
    dup2(fileno(f), STDOUT_FILENO);
    fn(arg);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    fclose(f);
    char *text = read_all(path, NULL);
    free(path);
    return text;
}

static void test_print_continuum(void) {
    char *servers = path_in(fixture_dir, "names_21_22_23.servers");
    ketama_continuum c;
    CHECK(ketama_roll(&c, servers) == 1, "names_21_22_23 rolls: %s", ketama_error());
    char *expected_path = path_in(fixture_dir, "names_21_22_23.expected");
    char *fixture = read_all(expected_path, NULL);
    /* Built from the fixture's points: "Numpoints in continuum: N" then "ip (point)". */
    char *want = NULL;
    size_t want_len = 0;
    FILE *w = open_memstream(&want, &want_len);
    fprintf(w, "Numpoints in continuum: %d\n", c->numpoints);
    for (char *line = fixture; (line = strstr(line, "\npoint\t")); line++) {
        unsigned point;
        char ip[64];
        if (sscanf(line, "\npoint\t%u\t%63[^\n]", &point, ip) == 2) fprintf(w, "%s (%u)\n", ip, point);
    }
    fclose(w);
    char *got = capture_stdout(ketama_print_continuum, c);
    CHECK(strcmp(got, want) == 0, "print_continuum output differs (%zu vs %zu bytes)", strlen(got),
          strlen(want));
    /* 22- and 23-byte addresses print exactly 22 bytes: ip never runs past its element. */
    CHECK(strstr(got, "\ncache-bb.example:11211 (") && strstr(got, "\ncache-ccc.example:1121 ("),
          "long addresses print 22 bytes");
    free(got);
    ketama_smoke(c);

    char *rejected = path_in(fixture_dir, "err_zero_weight.servers");
    CHECK(ketama_roll(&c, rejected) == 0, "a rejected file fails");
    got = capture_stdout(ketama_print_continuum, c);
    CHECK(strcmp(got, "Numpoints in continuum: 0\nContinuum empty\n") == 0, "empty print: %s", got);
    free(got);
    got = capture_stdout(ketama_print_continuum, NULL);
    CHECK(strcmp(got, "") == 0, "NULL prints nothing: %s", got);
    free(got);
    ketama_smoke(c);
    free(rejected);
    free(want);
    free(fixture);
    free(expected_path);
    free(servers);
}

static void test_null_and_empty(void) {
    char *servers = path_in(fixture_dir, "single.servers");
    CHECK(ketama_roll(NULL, servers) == 0, "NULL contptr fails");
    CHECK(strlen(ketama_error()) > 0, "NULL contptr explains itself");
    ketama_continuum c = (ketama_continuum)0x1;
    CHECK(ketama_roll(&c, NULL) == 0, "NULL filename fails");
    CHECK(strstr(ketama_error(), "NULL") != NULL, "NULL filename says so: %s", ketama_error());
    CHECK(c != NULL && c != (ketama_continuum)0x1 && c->numpoints == 0 && c->array == NULL,
          "NULL filename leaves an empty continuum");
    CHECK(ketama_get_server("key", c) == NULL, "lookup on an empty continuum is NULL");
    ketama_smoke(c);

    CHECK(ketama_roll(&c, servers) == 1, "single rolls");
    CHECK(strcmp(ketama_error(), "") == 0, "error empty after success: %s", ketama_error());
    CHECK(ketama_get_server(NULL, c) == NULL, "NULL key gives NULL");
    CHECK(ketama_get_server("key", NULL) == NULL, "NULL continuum gives NULL");
    ketama_smoke(c);
    ketama_smoke(NULL);

    CHECK(ketama_hashi(NULL) == 0, "hashi(NULL) is 0");
    CHECK(ketama_hashi("") == 0xd98c1dd4u, "hashi(\"\") is MD5's first word: %08x", ketama_hashi(""));
    unsigned char digest[16] = {0};
    ketama_md5_digest(NULL, digest);
    CHECK(digest[0] == 0 && digest[15] == 0, "md5 of NULL writes nothing");
    ketama_md5_digest("", NULL);
    ketama_md5_digest("abc", digest);
    CHECK(digest[0] == 0x90 && digest[1] == 0x01 && digest[15] == 0x72, "MD5(\"abc\")");

    mcs a = {.point = 5}, b = {.point = 7};
    CHECK(ketama_compare(&a, &b) == -1 && ketama_compare(&b, &a) == 1 && ketama_compare(&a, &a) == 0,
          "compare orders by point");
    CHECK(ketama_compare(NULL, &a) == -1 && ketama_compare(&a, NULL) == 1 && ketama_compare(NULL, NULL) == 0,
          "compare takes NULL");
    free(servers);
}

/* A copy of a continuum's points, to check later that they did not change. */
static mcs *snapshot(ketama_continuum c) {
    mcs *copy = malloc(sizeof(mcs) * (size_t)c->numpoints);
    memcpy(copy, c->array, sizeof(mcs) * (size_t)c->numpoints);
    return copy;
}

static int same_points(ketama_continuum c, const mcs *copy, int n) {
    return c->numpoints == n && memcmp(c->array, copy, sizeof(mcs) * (size_t)n) == 0;
}

static void test_reload_and_sharing(void) {
    char *path = path_in(scratch_dir, "reload.servers");
    char *other = path_in(scratch_dir, "reload-b.servers");
    write_all(path, "10.0.0.1:11211\t100\n10.0.0.2:11211\t100\n");
    ketama_continuum a1, a2, b, fresh;
    CHECK(ketama_roll(&a1, path) == 1, "first roll");
    CHECK(ketama_roll(&a2, path) == 1, "second roll");
    CHECK(a1 != a2 && a1->array == a2->array, "an unchanged file shares one point array");
    CHECK(a1->modtime != NULL, "modtime is set");
    struct stat st;
    stat(path, &st);
    CHECK(*(time_t *)a1->modtime == st.st_mtime, "modtime is the file's mtime");
    mcs *before = snapshot(a1);
    int n = a1->numpoints;
    mcs keep = *ketama_get_server("some key", a1);

    /* Same size, same second: must still be seen. */
    write_all(path, "10.0.0.1:11211\t100\n10.0.0.3:11211\t100\n");
    CHECK(ketama_roll(&b, path) == 1, "roll after rewrite");
    CHECK(b->array != a1->array, "a rewritten file is read again");
    write_all(other, "10.0.0.1:11211\t100\n10.0.0.3:11211\t100\n");
    CHECK(ketama_roll(&fresh, other) == 1, "roll of a copy");
    CHECK(same_points(b, fresh->array, fresh->numpoints), "the reload gives the new file's points");
    CHECK(same_points(a1, before, n), "continua handed out before are untouched");

    /* A failed reload disturbs nothing. */
    write_all(path, "10.0.0.1:11211\tlots\n");
    ketama_continuum bad;
    CHECK(ketama_roll(&bad, path) == 0, "a broken rewrite fails");
    CHECK(strstr(ketama_error(), "(line 1 in ") != NULL, "and says where: %s", ketama_error());
    ketama_smoke(bad);
    CHECK(same_points(a1, before, n) && same_points(b, fresh->array, fresh->numpoints),
          "a failed reload leaves every continuum intact");

    /* Two continua alive, one smoked. */
    ketama_smoke(a2);
    mcs *again = ketama_get_server("some key", a1);
    CHECK(again->point == keep.point && strcmp(again->ip, keep.ip) == 0,
          "smoking one continuum leaves the other answering");
    CHECK(same_points(a1, before, n), "its points are intact");
    ketama_smoke(a1);
    ketama_smoke(b);
    ketama_smoke(fresh);
    free(before);
    free(path);
    free(other);
}

/* An unreadable file is tested in test_hostile.c, by a child that drops root. */
static void test_directory(void) {
    ketama_continuum c = NULL;
    CHECK(ketama_roll(&c, (char *)scratch_dir) == 0, "a directory is refused");
    CHECK(strstr(ketama_error(), "directory") != NULL, "and said to be one: %s", ketama_error());
    CHECK(c != NULL && c->numpoints == 0 && c->array == NULL,
          "a directory (stat succeeds) leaves an empty continuum");
    ketama_smoke(c);
}

/* Where stat of the path fails, as the original's ftok does, ketama_roll leaves *contptr as it
 * was: a caller that rolls into the variable holding its live continuum keeps it. Everywhere
 * stat succeeds the empty continuum is stored, as the original stores its empty one. */
static void test_failed_stat_leaves_contptr(void) {
    char *servers = path_in(fixture_dir, "lastfm8.servers");
    char *missing = path_in(scratch_dir, "no-such.servers");
    char *through_file = path_in(fixture_dir, "lastfm8.servers/x"); /* ENOTDIR */
    char *loop_a = path_in(scratch_dir, "stat-loop-a"), *loop_b = path_in(scratch_dir, "stat-loop-b");
    CHECK(symlink(loop_b, loop_a) == 0 && symlink(loop_a, loop_b) == 0, "symlinks: %s",
          strerror(errno));
    ketama_continuum live;
    CHECK(ketama_roll(&live, servers) == 1, "lastfm8 rolls: %s", ketama_error());
    ketama_continuum held = live;
    mcs *before = ketama_get_server("user:1234", live);
    const char *paths[] = {missing, through_file, loop_a};
    const char *says[] = {"No such file", "Not a directory", "symbolic links"};
    for (int i = 0; i < 3; i++) {
        CHECK(ketama_roll(&live, (char *)paths[i]) == 0, "%s fails", paths[i]);
        CHECK(strstr(ketama_error(), says[i]) != NULL, "%s: error \"%s\" should say \"%s\"",
              paths[i], ketama_error(), says[i]);
        CHECK(live == held, "%s: *contptr is left as it was", paths[i]);
    }
    CHECK(ketama_get_server("user:1234", live) == before && live->numpoints == 1264,
          "the continuum left in *contptr still answers");
    ketama_continuum also = held;
    CHECK(ketama_roll(&also, (char *)scratch_dir) == 0 && also != held && also->numpoints == 0,
          "a path stat succeeds on (a directory) gets the empty continuum");
    ketama_smoke(also);
    ketama_smoke(live);
    unlink(loop_a);
    unlink(loop_b);
    free(loop_a);
    free(loop_b);
    free(through_file);
    free(missing);
    free(servers);
}

/* An independent computation of SPEC's algorithm, for the 10,000-server file. */
typedef struct {
    unsigned int point;
    unsigned int server;
} ref_point;

static int ref_compare(const void *x, const void *y) {
    const ref_point *a = x, *b = y;
    if (a->point != b->point) return a->point < b->point ? -1 : 1;
    return a->server < b->server ? -1 : a->server > b->server;
}

static void test_ten_thousand_servers(void) {
    enum { N = 10000 };
    static char addr[N][24];
    static unsigned long weight[N];
    char *path = path_in(scratch_dir, "big.servers");
    FILE *f = fopen(path, "w");
    unsigned long total = 0;
    for (int i = 0; i < N; i++) {
        snprintf(addr[i], sizeof addr[i], "10.%d.%d.%d:11211", i / 65536, (i / 256) % 256, i % 256);
        weight[i] = 1 + (unsigned long)(i * 7919) % 100;
        total += weight[i];
        fprintf(f, "%s\t%lu\n", addr[i], weight[i]);
    }
    fclose(f);

    size_t cap = 160 * N, n = 0;
    ref_point *ref = malloc(cap * sizeof *ref);
    for (int i = 0; i < N; i++) {
        float pct = (float)weight[i] / (float)total;
        unsigned int ks = (unsigned int)floorf((float)((double)pct * 40.0 * (double)(float)N));
        for (unsigned int k = 0; k < ks; k++) {
            char in[40];
            unsigned char d[16];
            snprintf(in, sizeof in, "%.23s-%u", addr[i], k);
            ketama_md5_digest(in, d);
            for (int h = 0; h < 4; h++)
                ref[n++] = (ref_point){(unsigned)d[4 * h] | (unsigned)d[4 * h + 1] << 8 |
                                           (unsigned)d[4 * h + 2] << 16 | (unsigned)d[4 * h + 3] << 24,
                                       (unsigned)i};
        }
    }
    qsort(ref, n, sizeof *ref, ref_compare);

    ketama_continuum c;
    CHECK(ketama_roll(&c, path) == 1, "10,000 servers roll: %s", ketama_error());
    CHECK(c->numpoints == (int)n, "10,000 servers: %d points, expected %zu", c->numpoints, n);
    mcs *arr = c->array;
    size_t bad = 0;
    for (size_t i = 0; i < n && (int)i < c->numpoints; i++)
        if (arr[i].point != ref[i].point || strncmp(arr[i].ip, addr[ref[i].server], 22) != 0) bad++;
    CHECK(bad == 0, "10,000 servers: %zu points differ from the reference computation", bad);
    ketama_smoke(c);
    free(ref);
    unlink(path);
    free(path);
}

/* Each thread sees its own error. */
static pthread_barrier_t barrier;

/* ketama_error() in the words C programs expect: strerror's text for a file that cannot be
 * opened, and what a line holds between plain quotes, without its newline. */
static void test_error_texts(void) {
    static const struct {
        const char *content, *error; /* "%s" in error: the file's path */
    } cases[] = {
        {NULL, "cannot open server file %s: No such file or directory"},
        {"10.0.0.1:11211 lots\n", "weight \"lots\" is not a number (line 1 in %s)"},
        {"10.0.0.1:11211 lots\r\n", "weight \"lots\" is not a number (line 1 in %s)"},
        {"10.0.0.1:11211 7",
         "weight \"7\" is not a number once its last character is dropped (the last character "
         "of a weight is always dropped, as if it were the newline) (line 1 in %s)"},
        {"# pool\n10.0.0.1:11211 0\n", "weight of \"10.0.0.1:11211\" is 0 (line 2 in %s)"},
        {"\xef\xbb\xbf" "10.0.0.1:11211\n",
         "no weight after address \"\\xef\\xbb\\xbf10.0.0.1:11211\" (separate it with a space "
         "or a tab) (line 1 in %s)"},
    };
    char *path = path_in(scratch_dir, "error-texts.servers");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unlink(path);
        if (cases[i].content) write_all(path, cases[i].content);
        ketama_continuum c = NULL;
        char *want = NULL;
        if (asprintf(&want, cases[i].error, path) < 0) exit(2);
        CHECK(ketama_roll(&c, path) == 0 && strcmp(ketama_error(), want) == 0,
              "error text %zu:\n  got  %s\n  want %s", i, ketama_error(), want);
        ketama_smoke(c);
        free(want);
    }
    unlink(path);
    free(path);
}

static void *failing_thread(void *missing) {
    ketama_continuum c = NULL;
    int ok = ketama_roll(&c, missing);
    ketama_smoke(c);
    pthread_barrier_wait(&barrier); /* the main thread now succeeds */
    pthread_barrier_wait(&barrier);
    return (void *)(long)(ok == 0 && strstr(ketama_error(), "cannot open") != NULL);
}

static void test_per_thread_error(void) {
    char *missing = path_in(scratch_dir, "missing.servers");
    char *servers = path_in(fixture_dir, "single.servers");
    pthread_t t;
    pthread_barrier_init(&barrier, NULL, 2);
    pthread_create(&t, NULL, failing_thread, missing);
    pthread_barrier_wait(&barrier);
    ketama_continuum c;
    CHECK(ketama_roll(&c, servers) == 1, "main thread rolls");
    pthread_barrier_wait(&barrier);
    void *kept;
    pthread_join(t, &kept);
    CHECK(kept == (void *)1, "the failing thread keeps its own error");
    CHECK(strcmp(ketama_error(), "") == 0, "the succeeding thread's error is empty: %s", ketama_error());
    ketama_smoke(c);
    pthread_barrier_destroy(&barrier);
    free(missing);
    free(servers);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s FIXTURE_DIR SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    fixture_dir = argv[1];
    scratch_dir = argv[2];
    test_fixtures();
    test_published_million();
    test_print_continuum();
    test_null_and_empty();
    test_reload_and_sharing();
    test_directory();
    test_failed_stat_leaves_contptr();
    test_ten_thousand_servers();
    test_per_thread_error();
    test_error_texts();
    return finish();
}
