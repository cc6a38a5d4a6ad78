/*
 * The header as the oldest and the strictest clients see it: c-tests/run.sh compiles this file
 * with -std=c89 -pedantic-errors (the original header compiled so) and as C++98, and links it
 * against the library, so every function is declared with C linkage in both. Written in C89
 * itself, it calls each function of ketama.h once.
 *
 * Usage: header_c89 SERVERS_FILE   (prints "N passed, N failed")
 */
#include <ketama.h>

#include <stdio.h>
#include <string.h>

static int passed, failed;

static void check(int ok, const char *what) {
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("FAIL: %s\n", what);
    }
}

int main(int argc, char **argv) {
    ketama_continuum rolled, created;
    ketama_server servers[2];
    ketama_server_info info;
    const char *keys[2];
    size_t lens[2];
    int out[2];
    unsigned char digest[16];
    char key[] = "0";
    mcs *m;

    if (argc != 2) return 2;
    check(ketama_roll(&rolled, argv[1]) == 1, "ketama_roll");
    check(strcmp(ketama_error(), "") == 0, "ketama_error is empty after a roll");
    m = ketama_get_server(key, rolled);
    check(m != NULL && ketama_compare(m, m) == 0, "ketama_get_server, ketama_compare");
    check(ketama_hashi(key) == 2216742351u, "ketama_hashi");
    ketama_md5_digest(key, digest);
    check(digest[0] == 0xcf, "ketama_md5_digest");
    check(ketama_server_count(rolled) == 8, "ketama_server_count");
    check(ketama_server_at(rolled, get_server(rolled, key, 1), &info) == 0 &&
              strcmp(info.addr, m->ip) == 0,
          "get_server, ketama_server_at");
    ketama_smoke(rolled);

    servers[0].addr = "cache-a.example.com:11211";
    servers[0].weight = 100;
    servers[1].addr = "cache-b.example.com:11211";
    servers[1].weight = 100;
    created = create_ketama(servers, 2);
    keys[0] = "a";
    keys[1] = "b";
    lens[0] = lens[1] = 1;
    check(created != NULL && get_servers(created, keys, lens, 2, out) == 0 &&
              out[0] == get_server(created, "a", 1) && out[1] == get_server(created, "b", 1),
          "create_ketama, get_servers");
    ketama_print_continuum(NULL); /* prints nothing */
    ketama_free(created);

    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
