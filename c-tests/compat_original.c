/*
 * Written the way programs using libketama 1.x are: the original's types and idioms
 * (union semun, compfn, MC_SHMSIZE, serverinfo, qsort with ketama_compare), built with
 * `-I<srcdir>` through the top-level ketama.h. It must compile and run unchanged.
 *
 * Usage: compat_original SERVERS_FILE   (prints "N passed, N failed")
 */
#include <ketama.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    int passed = 0, failed = 0;
    union semun unused_semun;
    serverinfo unused_info;
    compfn cmp = (compfn)ketama_compare;
    ketama_continuum c;

    if (argc != 2) return 2;
    unused_semun.val = MC_SHMSIZE;
    memset(&unused_info, 0, sizeof unused_info);
    (void)unused_semun;

    if (ketama_roll(&c, argv[1]) && strcmp(ketama_error(), "") == 0) passed++; else failed++;

    mcs *copy = malloc(sizeof(mcs) * c->numpoints);
    memcpy(copy, c->array, sizeof(mcs) * c->numpoints);
    qsort(copy, c->numpoints, sizeof(mcs), cmp);
    if (memcmp(copy, c->array, sizeof(mcs) * c->numpoints) == 0) passed++; else failed++;

    mcs *m = ketama_get_server("0", c);
    /* What the original gives for key "0" of this file (fixture lastfm8). */
    if (m && ketama_hashi("0") == 2216742351u && m->point == 2217271743u &&
        strcmp(m->ip, "10.0.1.1:11211") == 0) passed++; else failed++;

    free(copy);
    ketama_smoke(c);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
