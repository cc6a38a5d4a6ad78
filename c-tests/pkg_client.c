/*
 * A client of an installed libketama, built by install-test.sh and deb-test.sh with nothing
 * but the flags pkg-config gives: prints the header's version, as a string and in parts, and
 * the server of one key of docs/c-api.md's example (c-tests/example_api.expected).
 */
#include <ketama.h>

#include <stdio.h>
#include <string.h>

int main(void) {
    printf("%s %d.%d.%d\n", KETAMA_VERSION, KETAMA_VERSION_MAJOR, KETAMA_VERSION_MINOR,
           KETAMA_VERSION_PATCH);
    const ketama_server servers[] = {
        {"10.0.1.1:11211", 600},
        {"10.0.1.2:11211", 300},
        {"[2001:db8::7]:11211", 200},
    };
    ketama_continuum c = create_ketama(servers, sizeof servers / sizeof servers[0]);
    if (c == NULL) {
        fprintf(stderr, "ketama: %s\n", ketama_error());
        return 1;
    }
    const char *key = "user:1234";
    printf("%s -> %s\n", key, servers[get_server(c, key, strlen(key))].addr);
    ketama_free(c);
    return 0;
}
