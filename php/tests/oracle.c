/*
 * The C library's answers, for the PHP tests to compare with: the tests never take PHP's word
 * for what the library does. Built by php/php.mk against the same libketama as the extension.
 *
 *   oracle roll   SOURCE           1 and an empty line, or 0 and ketama_error()
 *   oracle print  SOURCE           what ketama_print_continuum prints
 *   oracle lookup SOURCE < KEYS    per key: get_server's index, then ketama_get_server's point
 *                                  and ip, then the index's address (ketama_server_at)
 *   oracle servers SOURCE          per server (ketama_server_at): address, weight, points
 *   oracle points SOURCE           per point of the array: point, ip, and the address of the
 *                                  server that owns it (ketama_point_server)
 *   oracle flavors                 per flavor: ketama_flavor_name, ketama_flavor_clients
 *
 * SOURCE is a server file's path (ketama_roll), `-a` followed by ADDRESS WEIGHT pairs, or `-F`
 * and a file of `HEX-ADDRESS WEIGHT` lines (create_ketama, with the weights as strtoul reads
 * them); `-f FLAVOR` before it builds or rolls it as that flavor (create_ketama_flavor,
 * ketama_roll_flavor). KEYS are lines of hex (an empty line is the
 * empty key), so that keys may hold any byte; addresses and ips are written in hex for the
 * same reason. Exit status 0, or 2 for a source that does not roll or build (after printing
 * its error for `roll`) and for bad usage.
 */
#include <ketama.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_hex(const char *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        printf("%02x", (unsigned char)bytes[i]);
    }
}

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* Decodes a line of hex in place; returns the number of bytes, or -1 for a malformed line. */
static long decode_hex(char *line, size_t len)
{
    if (len % 2 != 0) {
        return -1;
    }
    for (size_t i = 0; i < len; i += 2) {
        int hi = hex_digit(line[i]), lo = hex_digit(line[i + 1]);
        if (hi < 0 || lo < 0) {
            return -1;
        }
        line[i / 2] = (char)(hi * 16 + lo);
    }
    line[len / 2] = '\0';
    return (long)(len / 2);
}

/* create_ketama_flavor of the servers listed in `path`, one `HEX-ADDRESS WEIGHT` line each. */
static ketama_continuum create_from_file(const char *path, const char *flavor)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        return NULL;
    }
    ketama_server *servers = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t got;
    while ((got = getline(&line, &line_cap, f)) > 0) {
        char *space = strchr(line, ' ');
        long len = space ? decode_hex(line, (size_t)(space - line)) : -1;
        if (len <= 0 || n == UINT_MAX) {
            break;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            ketama_server *grown = realloc(servers, cap * sizeof *servers);
            if (!grown) {
                break;
            }
            servers = grown;
        }
        servers[n].addr = strdup(line);
        servers[n].weight = strtoul(space + 1, NULL, 10);
        n++;
    }
    fclose(f);
    free(line);
    ketama_continuum c = create_ketama_flavor(servers, (unsigned int)n, flavor);
    for (size_t i = 0; i < n; i++) {
        free((char *)servers[i].addr);
    }
    free(servers);
    return c;
}

/* The continuum of SOURCE (argv from `first`), or NULL, with ketama_error() saying why when
 * the library refused it. */
static ketama_continuum open_source(int argc, char **argv, int first)
{
    const char *flavor = NULL;
    if (argc > first + 1 && strcmp(argv[first], "-f") == 0) {
        flavor = argv[first + 1];
        first += 2;
    }
    if (argc == first + 2 && strcmp(argv[first], "-F") == 0) {
        return create_from_file(argv[first + 1], flavor);
    }
    if (argc > first + 1 && strcmp(argv[first], "-a") == 0) {
        int n = (argc - first - 1) / 2;
        if ((argc - first - 1) % 2 != 0 || n == 0) {
            return NULL;
        }
        ketama_server *servers = calloc((size_t)n, sizeof *servers);
        if (!servers) {
            return NULL;
        }
        for (int i = 0; i < n; i++) {
            servers[i].addr = argv[first + 1 + 2 * i];
            servers[i].weight = strtoul(argv[first + 2 + 2 * i], NULL, 10);
        }
        ketama_continuum c = create_ketama_flavor(servers, (unsigned int)n, flavor);
        free(servers);
        return c;
    }
    if (argc != first + 1) {
        return NULL;
    }
    ketama_continuum c = NULL; /* left as it is when the file cannot be stat'ed */
    if (!ketama_roll_flavor(&c, argv[first], flavor)) {
        ketama_smoke(c);
        return NULL;
    }
    return c;
}

static int lookup(ketama_continuum c)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, stdin)) >= 0) {
        size_t len = (size_t)got;
        if (len > 0 && line[len - 1] == '\n') {
            len--;
        }
        long key_len = decode_hex(line, len);
        if (key_len < 0) {
            fprintf(stderr, "oracle: a key line is not hex\n");
            free(line);
            return 2;
        }
        int index = get_server(c, line, (size_t)key_len);
        mcs *m = ketama_get_server(line, c); /* the C string: up to the first NUL */
        ketama_server_info info;
        if (index < 0 || !m || ketama_server_at(c, index, &info) != 0) {
            fprintf(stderr, "oracle: no server: %s\n", ketama_error());
            free(line);
            return 2;
        }
        printf("%d\t%u\t", index, m->point);
        put_hex(m->ip, strnlen(m->ip, sizeof m->ip));
        putchar('\t');
        put_hex(info.addr, strlen(info.addr));
        putchar('\n');
    }
    free(line);
    return 0;
}

static void servers(ketama_continuum c)
{
    int n = ketama_server_count(c);
    for (int i = 0; i < n; i++) {
        ketama_server_info info;
        if (ketama_server_at(c, i, &info) == 0) {
            put_hex(info.addr, strlen(info.addr));
            printf("\t%lu\t%u\n", info.weight, info.points);
        }
    }
}

static int points(ketama_continuum c)
{
    const mcs *array = c->array;
    for (int i = 0; i < c->numpoints; i++) {
        ketama_server_info info;
        if (ketama_server_at(c, ketama_point_server(c, i), &info) != 0) {
            fprintf(stderr, "oracle: point %d: %s\n", i, ketama_error());
            return 2;
        }
        printf("%u\t", array[i].point);
        put_hex(array[i].ip, strnlen(array[i].ip, sizeof array[i].ip));
        putchar('\t');
        put_hex(info.addr, strlen(info.addr));
        putchar('\n');
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "flavors") == 0) {
        for (unsigned int i = 0; ketama_flavor_name(i); i++) {
            printf("%s\t%s\n", ketama_flavor_name(i), ketama_flavor_clients(i));
        }
        return 0;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: oracle flavors | oracle roll|print|lookup|servers|points "
                        "[-f FLAVOR] FILE | -a ADDRESS WEIGHT... | -F FILE\n");
        return 2;
    }
    const char *what = argv[1];
    ketama_continuum c = open_source(argc, argv, 2);
    if (strcmp(what, "roll") == 0) {
        printf("%d\n%s\n", c != NULL, c ? "" : ketama_error());
        ketama_free(c);
        return 0;
    }
    if (!c) {
        fprintf(stderr, "oracle: %s\n", ketama_error());
        return 2;
    }
    int status = 0;
    if (strcmp(what, "print") == 0) {
        ketama_print_continuum(c);
    } else if (strcmp(what, "lookup") == 0) {
        status = lookup(c);
    } else if (strcmp(what, "servers") == 0) {
        servers(c);
    } else if (strcmp(what, "points") == 0) {
        status = points(c);
    } else {
        fprintf(stderr, "oracle: unknown command %s\n", what);
        status = 2;
    }
    fflush(stdout);
    ketama_free(c);
    return status;
}
