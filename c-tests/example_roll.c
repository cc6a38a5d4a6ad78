/* README.md's first example (and docs/c-api.md's): a server file, a key, its server. */
#include <ketama.h>
#include <stdio.h>

int main(void) {
    ketama_continuum c = NULL;  /* a missing file leaves it as it was */
    if (!ketama_roll(&c, "examples/ketama.servers")) {
        fprintf(stderr, "ketama: %s\n", ketama_error());
        ketama_smoke(c);
        return 1;
    }
    mcs *m = ketama_get_server("user:1234", c);
    printf("user:1234 -> %s (point %u of %d)\n", m->ip, m->point, c->numpoints);
    ketama_smoke(c);
    return 0;
}
