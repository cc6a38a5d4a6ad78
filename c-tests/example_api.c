/*
 * docs/c-api.md's example of the in-memory API: servers from the program's own
 * configuration, no server file. Built and run by `make test`, which compares its output.
 */
#include <ketama.h>

#include <stdio.h>
#include <string.h>

int main(void) {
    const ketama_server servers[] = {
        {"10.0.1.1:11211", 600},
        {"10.0.1.2:11211", 300},
        {"[2001:db8::7]:11211", 200},  /* any length: the whole address is hashed */
    };
    ketama_continuum c = create_ketama(servers, sizeof servers / sizeof servers[0]);
    if (c == NULL) {
        fprintf(stderr, "ketama: %s\n", ketama_error());
        return 1;
    }
    const char *keys[] = {"user:1234", "session:af93", "greeting"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        int s = get_server(c, keys[i], strlen(keys[i]));  /* keys are bytes with a length */
        printf("%s -> %s\n", keys[i], servers[s].addr);
    }
    ketama_free(c);
    return 0;
}
