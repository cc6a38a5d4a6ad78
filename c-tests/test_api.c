/*
 * The in-memory API (create_ketama, get_server, ketama_free) against ketama_roll: the same
 * continuum for every fixture that rolls, the same server for every key, and clean errors;
 * the flavors (create_ketama_flavor) through every function.
 *
 * Usage: test_api FIXTURE_DIR [BATCH_KEYS]   (default 1000000 keys for the batch check)
 * Prints one line per failure and closes with "N passed, N failed".
 */
#define _GNU_SOURCE
#include <ketama.h>

#include "harness.h"

#include <dirent.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>

enum { MAX_SERVERS = 128 };

_Static_assert(sizeof(ketama_server_info) == 24, "ketama_server_info is 24 bytes");
_Static_assert(offsetof(ketama_server_info, addr) == 0, "ketama_server_info.addr at 0");
_Static_assert(offsetof(ketama_server_info, weight) == 8, "ketama_server_info.weight at 8");
_Static_assert(offsetof(ketama_server_info, points) == 16, "ketama_server_info.points at 16");

typedef struct {
    ketama_server servers[MAX_SERVERS];
    char addrs[MAX_SERVERS][128];
    unsigned count;
} server_list;

/* The server lines of a file that rolls, read the way libketama 1.x reads them (the test's
 * own reading, independent of the library's parser). */
static void read_servers(const char *path, server_list *list) {
    FILE *f = fopen(path, "r");
    char line[128];
    list->count = 0;
    while (f && list->count < MAX_SERVERS && fgets(line, 127, f)) {
        if (strlen(line) < 2 || line[0] == '#') continue;
        char *addr = strtok(line, "\t ");
        char *weight = strtok(NULL, "\t ");
        weight[strlen(weight) - 1] = '\0'; /* the original drops the weight's last byte */
        strcpy(list->addrs[list->count], addr);
        list->servers[list->count].addr = list->addrs[list->count];
        list->servers[list->count].weight = (unsigned long)strtol(weight, NULL, 10);
        list->count++;
    }
    if (f) fclose(f);
}

/* ketama_server_at for every server of `c` gives the list's addresses and weights, and the
 * points add up to the continuum's. */
static void check_server_info(const char *name, ketama_continuum c, const server_list *list) {
    CHECK(ketama_server_count(c) == (int)list->count, "%s: %d servers, %u expected", name,
          ketama_server_count(c), list->count);
    long points = 0;
    int bad = 0;
    for (unsigned i = 0; i < list->count; i++) {
        ketama_server_info info;
        if (ketama_server_at(c, (int)i, &info) != 0 || strcmp(info.addr, list->addrs[i]) != 0 ||
            info.weight != list->servers[i].weight)
            bad++;
        else
            points += info.points;
    }
    CHECK(bad == 0 && points == c->numpoints, "%s: %d servers differ, %ld of %d points", name, bad,
          points, c->numpoints);
}

static void test_fixtures_agree(const char *dir) {
    char *keys_path = path_in(dir, "keys.txt");
    char *keys = read_all(keys_path, NULL);
    DIR *d = opendir(dir);
    CHECK(keys && d, "cannot read fixtures in %s", dir);
    if (!keys || !d) return;
    int rolled = 0;
    struct dirent *e;
    static server_list list;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 8 || strcmp(e->d_name + n - 8, ".servers") != 0) continue;
        char *path = path_in(dir, e->d_name);
        ketama_continuum r;
        if (ketama_roll(&r, path)) {
            rolled++;
            read_servers(path, &list);
            ketama_continuum c = create_ketama(list.servers, list.count);
            CHECK(c != NULL, "%s: create_ketama fails: %s", e->d_name, ketama_error());
            if (c) {
                CHECK(c->numpoints == r->numpoints &&
                          memcmp(c->array, r->array, sizeof(mcs) * (size_t)r->numpoints) == 0,
                      "%s: create_ketama and ketama_roll give different continua", e->d_name);
                check_server_info(e->d_name, r, &list);
                check_server_info(e->d_name, c, &list);
                int bad = 0;
                for (char *key = keys, *nl; (nl = strchr(key, '\n')); key = nl + 1) {
                    size_t len = (size_t)(nl - key);
                    int i = get_server(c, key, len), j = get_server(r, key, len);
                    *nl = '\0';
                    mcs *m = ketama_get_server(key, r);
                    *nl = '\n';
                    if (i != j || i < 0 || (unsigned)i >= list.count ||
                        strncmp(list.addrs[i], m->ip, 22) != 0)
                        bad++;
                }
                CHECK(bad == 0, "%s: %d keys map differently", e->d_name, bad);
                ketama_free(c);
            }
        } else {
            CHECK(get_server(r, "key", 3) == -1, "%s: empty continuum gives -1", e->d_name);
            ketama_server_info info = {"untouched", 7, 7};
            CHECK(ketama_server_count(r) == 0 && ketama_server_at(r, 0, &info) == -1 &&
                      strcmp(info.addr, "untouched") == 0,
                  "%s: a failed roll has no server", e->d_name);
        }
        ketama_smoke(r);
        free(path);
    }
    closedir(d);
    CHECK(rolled == 19, "%d fixtures rolled, 19 do", rolled);
    free(keys);
    free(keys_path);
}

static void expect_error(const ketama_server *servers, unsigned count, const char *needle) {
    ketama_continuum c = create_ketama(servers, count);
    CHECK(c == NULL, "create_ketama should fail with \"%s\"", needle);
    CHECK(strstr(ketama_error(), needle) != NULL, "error \"%s\" should say \"%s\"", ketama_error(),
          needle);
    ketama_free(c);
}

static void test_errors(void) {
    ketama_server ok[2] = {{"10.0.0.1:11211", 1}, {"10.0.0.2:11211", 2}};
    expect_error(NULL, 2, "NULL");
    expect_error(ok, 0, "no servers");
    ketama_server null_addr[2] = {{"10.0.0.1:11211", 1}, {NULL, 1}};
    expect_error(null_addr, 2, "server 1 has a NULL address");
    ketama_server empty_addr[1] = {{"", 1}};
    expect_error(empty_addr, 1, "server 0 has no address");
    ketama_server zero[2] = {{"10.0.0.1:11211", 1}, {"10.0.0.2:11211", 0}};
    expect_error(zero, 2, "server 1 has weight 0");
    ketama_server overflow[2] = {{"10.0.0.1:11211", ULONG_MAX}, {"10.0.0.2:11211", 1}};
    expect_error(overflow, 2, "add up to more than an unsigned long");

    ketama_continuum c = create_ketama(ok, 2);
    CHECK(c != NULL && strcmp(ketama_error(), "") == 0, "success empties the error");
    CHECK(c->modtime != NULL && *(time_t *)c->modtime == 0, "modtime points at 0");
    mcs *m = ketama_get_server("key", c);
    CHECK(m != NULL && strncmp(m->ip, ok[get_server(c, "key", 3)].addr, 22) == 0,
          "ketama_get_server and get_server agree on a created continuum");
    CHECK(get_server(c, NULL, 0) == -1 && get_server(NULL, "key", 3) == -1, "NULL gives -1");
    ketama_server_info info;
    CHECK(ketama_server_at(c, 2, &info) == -1 &&
              strcmp(ketama_error(), "ketama_server_at: no server 2 (the continuum has 2)") == 0,
          "index past the last server: %s", ketama_error());
    CHECK(ketama_server_at(c, -1, &info) == -1 && strstr(ketama_error(), "no server -1"),
          "negative index: %s", ketama_error());
    CHECK(ketama_server_at(c, 0, NULL) == -1 && ketama_server_at(NULL, 0, &info) == -1 &&
              strstr(ketama_error(), "must not be NULL") && ketama_server_count(NULL) == 0,
          "NULL continuum or info: %s", ketama_error());
    ketama_smoke(c); /* ketama_smoke frees created continua too */
    ketama_free(NULL);
}

static void test_long_addresses(void) {
    ketama_server v6[2] = {{"[2001:db8:85a3::8a2e:370:7334]:11211", 1}, {"[2001:db8::1]:11211", 1}};
    ketama_continuum c = create_ketama(v6, 2);
    CHECK(c != NULL && c->numpoints == 320, "two IPv6 servers: 320 points");
    if (!c) return;
    /* The whole address is hashed: the first digest of server 0 is MD5("<address>-0"). */
    unsigned char d[16];
    ketama_md5_digest("[2001:db8:85a3::8a2e:370:7334]:11211-0", d);
    unsigned first = (unsigned)d[0] | (unsigned)d[1] << 8 | (unsigned)d[2] << 16 | (unsigned)d[3] << 24;
    mcs *arr = c->array;
    int found = 0;
    for (int i = 0; i < c->numpoints; i++)
        if (arr[i].point == first && memcmp(arr[i].ip, "[2001:db8:85a3::8a2e:3", 22) == 0) found++;
    CHECK(found == 1, "point of MD5(address-0) with the address's first 22 bytes: %d", found);
    ketama_server_info info;
    CHECK(ketama_server_at(c, 0, &info) == 0 && strcmp(info.addr, v6[0].addr) == 0 &&
              info.addr != v6[0].addr && info.weight == 1 && info.points == 160,
          "ketama_server_at gives the whole address, copied, and its 160 points");
    ketama_free(c);
}

/* Points of MD5(addr-0 .. addr-(digests-1)), as the continuum builds them. */
static int owns_point(const char *addr, unsigned points, unsigned point) {
    char input[128];
    unsigned char d[16];
    for (unsigned k = 0; k < points / 4; k++) {
        snprintf(input, sizeof input, "%s-%u", addr, k);
        ketama_md5_digest(input, d);
        for (int h = 0; h < 4; h++)
            if (((unsigned)d[4 * h] | (unsigned)d[4 * h + 1] << 8 | (unsigned)d[4 * h + 2] << 16 |
                 (unsigned)d[4 * h + 3] << 24) == point)
                return 1;
    }
    return 0;
}

/* ketama_point_server names each point's server exactly, where mcs.ip cannot tell apart
 * servers alike in their first 22 bytes. */
static void test_point_server(void) {
    ketama_server alike[3] = {{"cache-a.example.com:11211", 300},
                              {"cache-a.example.com:11212", 100},
                              {"10.0.0.1:11211", 200}};
    ketama_continuum c = create_ketama(alike, 3);
    CHECK(c != NULL, "create_ketama: %s", ketama_error());
    if (!c) return;
    mcs *arr = c->array;
    int bad = 0, seen[3] = {0, 0, 0};
    for (int i = 0; i < c->numpoints; i++) {
        int s = ketama_point_server(c, i);
        ketama_server_info info;
        if (s < 0 || s > 2 || ketama_server_at(c, s, &info) != 0 ||
            !owns_point(alike[s].addr, info.points, arr[i].point) ||
            strncmp(arr[i].ip, alike[s].addr, 22) != 0) {
            bad++;
            continue;
        }
        seen[s]++;
    }
    ketama_server_info i0, i1, i2;
    ketama_server_at(c, 0, &i0);
    ketama_server_at(c, 1, &i1);
    ketama_server_at(c, 2, &i2);
    CHECK(bad == 0 && seen[0] == (int)i0.points && seen[1] == (int)i1.points &&
              seen[2] == (int)i2.points,
          "every point's server is the one whose MD5 made it: %d wrong", bad);
    /* The key's point belongs to the server get_server names. */
    int wrong = 0;
    for (int k = 0; k < 2000; k++) {
        char key[32];
        snprintf(key, sizeof key, "key:%d", k);
        mcs *m = ketama_get_server(key, c);
        if (ketama_point_server(c, (int)(m - arr)) != get_server(c, key, strlen(key))) wrong++;
    }
    CHECK(wrong == 0, "the owner of a key's point is its server: %d keys differ", wrong);
    CHECK(ketama_point_server(c, c->numpoints) == -1 &&
              strstr(ketama_error(), "no point") != NULL && ketama_point_server(c, -1) == -1 &&
              ketama_point_server(NULL, 0) == -1,
          "out of range and NULL give -1: %s", ketama_error());
    ketama_free(c);
}

static unsigned long long rng_state = 0x9e3779b97f4a7c15ull;

static unsigned long long rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* get_servers gives get_server's answer for every key: random bytes (NULs included) of
 * 0..300 bytes, so keys of several MD5 blocks, in calls of 1..300 keys. */
static void test_batch_matches_single(long nkeys) {
    enum { MAX_CALL = 300, MAX_LEN = 300 };
    static ketama_server servers[100];
    static char addrs[100][32];
    for (int i = 0; i < 100; i++) {
        snprintf(addrs[i], sizeof addrs[i], "10.1.%d.%d:11211", i / 10, i % 10);
        servers[i] = (ketama_server){addrs[i], 100 + (unsigned long)i * 37 % 500};
    }
    ketama_continuum c = create_ketama(servers, 100);
    static char bytes[MAX_CALL][MAX_LEN];
    const char *keys[MAX_CALL];
    size_t lens[MAX_CALL];
    int out[MAX_CALL];
    long checked = 0, bad = 0;
    while (checked < nkeys) {
        size_t n = 1 + rng() % MAX_CALL;
        for (size_t i = 0; i < n; i++) {
            lens[i] = rng() % (MAX_LEN + 1);
            for (size_t j = 0; j < lens[i]; j++) bytes[i][j] = (char)rng();
            keys[i] = bytes[i];
        }
        if (get_servers(c, keys, lens, n, out) != 0) bad++;
        for (size_t i = 0; i < n; i++)
            if (out[i] != get_server(c, keys[i], lens[i])) bad++;
        checked += (long)n;
    }
    CHECK(bad == 0, "get_servers differs from get_server on %ld of %ld keys", bad, checked);

    /* Bad arguments and empty continua. */
    CHECK(get_servers(c, keys, lens, 0, NULL) == 0, "no keys is fine");
    CHECK(get_servers(c, NULL, lens, 3, out) == -1 && strstr(ketama_error(), "NULL"),
          "NULL keys: %s", ketama_error());
    out[0] = 7;
    CHECK(get_servers(NULL, keys, lens, 1, out) == -1 && out[0] == -1, "NULL continuum");
    keys[1] = NULL;
    CHECK(get_servers(c, keys, lens, 2, out) == 0 && out[0] == get_server(c, keys[0], lens[0]) &&
              out[1] == -1,
          "a NULL key gives -1");
    ketama_free(c);
    ketama_continuum empty;
    CHECK(ketama_roll(&empty, NULL) == 0, "empty continuum");
    out[0] = 7;
    CHECK(get_servers(empty, keys, lens, 1, out) == 0 && out[0] == -1, "empty continuum gives -1");
    ketama_smoke(empty);
}

/* Every flavor through every function: create_ketama_flavor by each name ketama_flavor_name
 * lists; get_servers agrees with get_server, ketama_get_server's point belongs to get_server's
 * server, ketama_server_at and ketama_point_server count the same points; the default and
 * unknown names. */
static void test_flavors(void) {
    ketama_server fleet[5] = {{"10.0.0.1:11211", 1}, {"10.0.0.2:11311", 2}, {"[::1]:11211", 3},
                              {"cache-d.example.com", 5}, {"10.0.0.5:22122", 8}};
    int flavors = 0;
    for (unsigned f = 0; ketama_flavor_name(f) != NULL && f < 100; f++) {
        const char *name = ketama_flavor_name(f);
        flavors++;
        CHECK(ketama_flavor_clients(f) != NULL && strlen(ketama_flavor_clients(f)) > 10,
              "%s: the clients are named", name);
        ketama_continuum c = create_ketama_flavor(fleet, 5, name);
        CHECK(c != NULL, "%s: %s", name, c ? "" : ketama_error());
        if (!c) continue;
        mcs *arr = c->array;
        long points = 0;
        int counted[5] = {0, 0, 0, 0, 0}, bad = 0;
        for (int i = 0; i < 5; i++) {
            ketama_server_info info;
            if (ketama_server_at(c, i, &info) != 0 || strcmp(info.addr, fleet[i].addr) != 0)
                bad++;
            else
                points += info.points;
        }
        for (int i = 0; i < c->numpoints; i++) {
            int s = ketama_point_server(c, i);
            if (s < 0 || s > 4 || (i > 0 && arr[i - 1].point > arr[i].point))
                bad++;
            else
                counted[s]++;
        }
        for (int i = 0; i < 5; i++) {
            ketama_server_info info;
            ketama_server_at(c, i, &info);
            if (counted[i] != (int)info.points) bad++;
        }
        CHECK(bad == 0 && points == c->numpoints,
              "%s: sorted points, each server's count: %d wrong", name, bad);
        enum { N = 3000 };
        static char bytes[N][40];
        const char *keys[N];
        size_t lens[N];
        int out[N], wrong = 0;
        for (int k = 0; k < N; k++) {
            lens[k] = (size_t)snprintf(bytes[k], sizeof bytes[k], "key:%d:%llx", k, rng());
            keys[k] = bytes[k];
        }
        CHECK(get_servers(c, keys, lens, N, out) == 0, "%s: get_servers", name);
        for (int k = 0; k < N; k++) {
            int s = get_server(c, keys[k], lens[k]);
            mcs *m = ketama_get_server(bytes[k], c);
            if (s < 0 || s != out[k] || m == NULL || ketama_point_server(c, (int)(m - arr)) != s)
                wrong++;
        }
        CHECK(wrong == 0, "%s: get_server, get_servers and ketama_get_server differ on %d keys",
              name, wrong);
        ketama_free(c);
    }
    CHECK(flavors >= 20 && strcmp(ketama_flavor_name(0), "libketama") == 0 &&
              ketama_flavor_clients((unsigned)flavors) == NULL,
          "%d flavors, libketama first", flavors);

    /* NULL and "libketama" are create_ketama. */
    ketama_continuum plain = create_ketama(fleet, 5);
    ketama_continuum by_null = create_ketama_flavor(fleet, 5, NULL);
    ketama_continuum by_name = create_ketama_flavor(fleet, 5, "libketama");
    CHECK(plain && by_null && by_name && plain->numpoints == by_null->numpoints &&
              plain->numpoints == by_name->numpoints &&
              memcmp(plain->array, by_null->array, sizeof(mcs) * (size_t)plain->numpoints) == 0 &&
              memcmp(plain->array, by_name->array, sizeof(mcs) * (size_t)plain->numpoints) == 0,
          "NULL and \"libketama\" build create_ketama's continuum");
    ketama_free(plain);
    ketama_free(by_null);
    ketama_free(by_name);

    /* An unknown name: NULL, and the error lists the names. */
    CHECK(create_ketama_flavor(fleet, 5, "memcache") == NULL &&
              strstr(ketama_error(), "unknown flavor \"memcache\"") != NULL &&
              strstr(ketama_error(), "libmemcached") != NULL &&
              strstr(ketama_error(), "twemproxy") != NULL,
          "unknown flavor: %s", ketama_error());
    /* The flavor's own checks, in its name. */
    ketama_server zero[2] = {{"a:1", 1}, {"b:1", 0}};
    CHECK(create_ketama_flavor(zero, 2, "dalli") == NULL &&
              strstr(ketama_error(), "create_ketama_flavor: server 1 has weight 0") != NULL,
          "weight 0: %s", ketama_error());
    /* A server file rolled as a flavor: create_ketama_flavor's ring of the same servers. */
    char path[] = "/tmp/ketama-flavor-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f) {
        for (int i = 0; i < 5; i++) fprintf(f, "%s\t%lu\n", fleet[i].addr, fleet[i].weight);
        fclose(f);
    }
    ketama_continuum rolled = NULL, built = create_ketama_flavor(fleet, 5, "libmemcached");
    CHECK(f && ketama_roll_flavor(&rolled, path, "libmemcached") == 1 && built &&
              rolled->numpoints == built->numpoints &&
              memcmp(rolled->array, built->array,
                     sizeof(mcs) * (size_t)built->numpoints) == 0,
          "ketama_roll_flavor: %s", ketama_error());
    ketama_continuum kept = rolled;
    CHECK(ketama_roll_flavor(&rolled, path, "nope") == 0 && rolled == kept &&
              strstr(ketama_error(), "ketama_roll_flavor: unknown flavor") != NULL,
          "an unknown flavor leaves *contptr: %s", ketama_error());
    ketama_continuum file_null = NULL, by_roll = NULL;
    CHECK(ketama_roll_flavor(&file_null, path, NULL) == 1 && ketama_roll(&by_roll, path) == 1 &&
              file_null->numpoints == by_roll->numpoints &&
              memcmp(file_null->array, by_roll->array,
                     sizeof(mcs) * (size_t)by_roll->numpoints) == 0,
          "a NULL flavor is ketama_roll: %s", ketama_error());
    ketama_smoke(file_null);
    ketama_smoke(by_roll);
    ketama_smoke(rolled);
    ketama_free(built);
    unlink(path);
    CHECK(create_ketama_flavor(NULL, 2, "nginx") == NULL &&
              strstr(ketama_error(), "create_ketama_flavor: servers is NULL") != NULL,
          "NULL servers: %s", ketama_error());
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FIXTURE_DIR [BATCH_KEYS]\n", argv[0]);
        return 2;
    }
    test_fixtures_agree(argv[1]);
    test_errors();
    test_long_addresses();
    test_point_server();
    test_flavors();
    test_batch_matches_single(argc > 2 ? atol(argv[2]) : 1000000);
    return finish();
}
