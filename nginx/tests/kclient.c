/*
 * The application's side of nginx/test.sh: a libketama client that stores keys on the
 * memcached server the library picks (as a PHP or C application of the fleet does), and a
 * small HTTP client that fetches them back through nginx and checks where they came from.
 *
 *   kclient [-k] store  RING PREFIX N              set PREFIX00000.. on their servers
 *   kclient [-k] fetch  RING PREFIX N HOST:PORT PATH MODE [DEAD]
 *   kclient error  RING                            what the library says of a ring it refuses
 *   kclient flavors                                the flavors' names, one a line
 *   kclient items  ADDRESS...                      each memcached's total_items
 *
 * RING is `file:PATH`, a server file rolled with ketama_roll, or `list:PATH`, lines of
 * "address weight" given to create_ketama (addresses of any length), either prefixed with
 * `FLAVOR@` for the ring of that flavor (ketama_roll_flavor, create_ketama_flavor); `error`
 * also takes a bare path for a server file. A server is reached at its address's IPv4
 * literal (127.0.0.1 when it has none, as for zero-padded literals) and the port after the
 * last ':'. The value of a key is the address of its server, or with -k the key itself (as
 * the real clients of nginx/tests/fleet.sh store it). fetch asks for PATH followed by the
 * key; nginx answers with the value and X-Upstream ($upstream_addr). MODE says what a right
 * answer is:
 *
 *   hit       200, the key's value as the body, from the key's server
 *   route     from the key's server, whatever the status (keys not stored there)
 *   failover  as hit, but the keys of the server DEAD (stopped): 404 from the server the
 *             ring's walk reaches (the next point of another server)
 *   strict    as hit, but the keys of DEAD: 502 (never looked for elsewhere)
 *   contrast  nothing is wrong: prints the share of hits (for another balancer)
 *
 * For libketama's ring the walk's expected server comes from the points recomputed here
 * from SPEC (MD5 of "address-k"), each point's server checked against ketama_point_server,
 * never from the ring's `ip` bytes: servers whose addresses share their first 22 bytes are
 * told apart. A flavor's ring is walked from the point ketama_get_server gives, over the
 * servers ketama_point_server names (the flavors' rings are checked against their real
 * clients in clients/).
 * Prints "N passed, N failed" (a key is one check); exit status 1 on a failure.
 */
#define _GNU_SOURCE
#include <ketama.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_SERVERS 64
#define IO_TIMEOUT_S 5

typedef struct {
    unsigned int point;
    int server;
} point_t;

static ketama_continuum ring;
/* the ring's flavor, NULL for libketama's own */
static const char *flavor;
static int nservers;
static const char *addr[MAX_SERVERS];
static point_t *points;
static int npoints;
/* -k: a key's value is the key, not its server's address */
static int value_is_key;

static void die(const char *what) {
    fprintf(stderr, "kclient: %s\n", what);
    exit(2);
}

static int port_of(const char *a) {
    const char *colon = strrchr(a, ':');
    return colon ? atoi(colon + 1) : 0;
}

/* Where the server of address `a` listens: its IPv4 literal, else 127.0.0.1. */
static struct sockaddr_in endpoint_of(const char *a) {
    struct sockaddr_in sa = {.sin_family = AF_INET};
    char host[64];
    const char *colon = strrchr(a, ':');
    size_t len = colon ? (size_t)(colon - a) : strlen(a);
    sa.sin_port = htons((unsigned short)port_of(a));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (len < sizeof host) {
        memcpy(host, a, len);
        host[len] = '\0';
        if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
            sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    }
    return sa;
}

/* Whether addresses `a` and `b` are the same endpoint. */
static int same_endpoint(const char *a, const char *b) {
    struct sockaddr_in x = endpoint_of(a), y = endpoint_of(b);
    return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
}

static int cmp_point(const void *x, const void *y) {
    const point_t *a = x, *b = y;
    if (a->point != b->point) return a->point < b->point ? -1 : 1;
    return a->server - b->server; /* the library's sort is stable: file order */
}

/* The ring from SPEC: for each server, MD5("address-k") for k below points/4, each digest
 * giving four little-endian points. Checked against the library's array and the owner of
 * each point the library names (what the module's walk asks). */
static void recompute_points(void) {
    mcs *array = ring->array;
    npoints = 0;
    for (int s = 0; s < nservers; s++) {
        ketama_server_info info;
        if (ketama_server_at(ring, s, &info) != 0) die(ketama_error());
        for (unsigned int k = 0; k < info.points / 4; k++) {
            char buf[4096];
            unsigned char d[16];
            snprintf(buf, sizeof buf, "%s-%u", info.addr, k);
            ketama_md5_digest(buf, d);
            for (int h = 0; h < 4; h++) {
                if (npoints == ring->numpoints) die("more points than the ring has");
                points[npoints].point = (unsigned int)d[4 * h] | (unsigned int)d[4 * h + 1] << 8 |
                                        (unsigned int)d[4 * h + 2] << 16 |
                                        (unsigned int)d[4 * h + 3] << 24;
                points[npoints++].server = s;
            }
        }
    }
    if (npoints != ring->numpoints) die("fewer points than the ring has");
    qsort(points, (size_t)npoints, sizeof *points, cmp_point);
    for (int i = 0; i < npoints; i++)
        if (points[i].point != array[i].point || points[i].server != ketama_point_server(ring, i))
            die("recomputed points differ from the ring");
}

/* A flavor's ring as the library holds it: each point's server from ketama_point_server. */
static void library_points(void) {
    mcs *array = ring->array;
    for (npoints = 0; npoints < ring->numpoints; npoints++) {
        points[npoints].point = array[npoints].point;
        points[npoints].server = ketama_point_server(ring, npoints);
        if (points[npoints].server < 0) die(ketama_error());
    }
}

/* The ring of RING ([FLAVOR@]file:PATH, [FLAVOR@]list:PATH or a bare server file path),
 * or NULL with ketama_error() saying why. Sets `flavor`. */
static ketama_continuum build_ring(const char *spec) {
    ketama_continuum c = NULL;
    const char *at = strchr(spec, '@');
    if (at != NULL) {
        flavor = strndup(spec, (size_t)(at - spec));
        spec = at + 1;
    }
    if (strncmp(spec, "list:", 5) == 0) {
        FILE *f = fopen(spec + 5, "r");
        ketama_server *servers = NULL;
        char a[1024];
        unsigned long w;
        unsigned int n = 0;
        if (f == NULL) die("cannot open the server list");
        while (fscanf(f, "%1023s %lu", a, &w) == 2) {
            servers = realloc(servers, (n + 1) * sizeof *servers);
            if (servers == NULL) die("out of memory");
            servers[n].addr = strdup(a);
            servers[n++].weight = w;
        }
        fclose(f);
        return create_ketama_flavor(servers, n, flavor);
    }
    if (!ketama_roll_flavor(&c, (char *)spec + (strncmp(spec, "file:", 5) == 0 ? 5 : 0),
                            flavor)) {
        ketama_smoke(c);
        return NULL;
    }
    return c;
}

static void load_ring(const char *spec) {
    ring = build_ring(spec);
    if (ring == NULL) die(ketama_error());
    nservers = ketama_server_count(ring);
    if (nservers <= 0 || nservers > MAX_SERVERS) die("bad number of servers");
    for (int s = 0; s < nservers; s++) {
        ketama_server_info info;
        if (ketama_server_at(ring, s, &info) != 0) die(ketama_error());
        addr[s] = info.addr;
    }
    points = calloc((size_t)ring->numpoints, sizeof *points);
    if (points == NULL) die("out of memory");
    if (flavor == NULL || strcmp(flavor, "libketama") == 0) recompute_points();
    else library_points();
}

static int server_of(const char *key) {
    int s = get_server(ring, key, strlen(key));
    if (s < 0) die("get_server failed");
    return s;
}

/* The point a key falls on: for libketama, found here in the recomputed points. */
static int point_of(const char *key) {
    if (flavor != NULL && strcmp(flavor, "libketama") != 0) {
        mcs *m = ketama_get_server((char *)key, ring);
        if (m == NULL) die("ketama_get_server failed");
        return (int)(m - (mcs *)ring->array);
    }
    unsigned int h = ketama_hashi((char *)key);
    int lo = 0, hi = npoints;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (points[mid].point < h) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* The first server from the key's point on that is not `dead`. */
static int walk_from(const char *key, int dead) {
    int lo = point_of(key);
    for (int step = 0; step < npoints; step++) {
        int s = points[(lo + step) % npoints].server;
        if (s != dead) return s;
    }
    return -1;
}

static int connect_to(const char *a) {
    struct sockaddr_in sa = endpoint_of(a);
    struct timeval tv = {.tv_sec = IO_TIMEOUT_S};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w <= 0) die("write failed");
        buf += w;
        len -= (size_t)w;
    }
}

/* What key `key` of server `s` holds. */
static const char *value_of(const char *key, int s) {
    return value_is_key ? key : addr[s];
}

/* Stores every key on its server: one pipelined batch of sets a server, then one
 * "STORED" a key read back. */
static int store(const char *prefix, int n) {
    int passed = 0, failed = 0;
    for (int s = 0; s < nservers; s++) {
        int fd = connect_to(addr[s]), sent = 0;
        if (fd < 0) die("cannot connect to memcached");
        for (int i = 0; i < n; i++) {
            char key[256], cmd[1024];
            snprintf(key, sizeof key, "%s%05d", prefix, i);
            if (server_of(key) != s) continue;
            const char *value = value_of(key, s);
            int len = snprintf(cmd, sizeof cmd, "set %s 0 0 %zu\r\n%s\r\n", key, strlen(value),
                               value);
            write_all(fd, cmd, (size_t)len);
            sent++;
        }
        /* read the replies: "STORED\r\n" each */
        int stored = 0;
        char buf[4096];
        size_t have = 0;
        while (stored < sent) {
            ssize_t r = read(fd, buf + have, sizeof buf - have);
            if (r <= 0) break;
            have += (size_t)r;
            char *p = buf, *end = buf + have, *nl;
            while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
                if (strncmp(p, "STORED\r\n", 8) == 0) stored++;
                else failed++;
                p = nl + 1;
            }
            have = (size_t)(end - p);
            memmove(buf, p, have);
        }
        close(fd);
        passed += stored;
        failed += sent - stored;
        printf("store: %s: %d keys\n", addr[s], stored);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

/* Each memcached's total_items (items ever stored), as "ADDRESS N" lines. */
static int items(int n, char **addresses) {
    for (int i = 0; i < n; i++) {
        char buf[16384];
        size_t have = 0;
        int fd = connect_to(addresses[i]);
        if (fd < 0) die("cannot connect to memcached");
        write_all(fd, "stats\r\n", 7);
        buf[0] = '\0';
        while (strstr(buf, "END\r\n") == NULL) {
            ssize_t r = read(fd, buf + have, sizeof buf - 1 - have);
            if (r <= 0) die("no stats from memcached");
            have += (size_t)r;
            buf[have] = '\0';
        }
        close(fd);
        const char *stat = strstr(buf, "STAT total_items ");
        if (stat == NULL) die("no total_items in the stats");
        printf("%s %ld\n", addresses[i], strtol(stat + 17, NULL, 10));
    }
    return 0;
}

typedef struct {
    int status;
    char body[1024];
    char upstream[1024];
} response_t;

/* One GET on the keep-alive connection *fd to `hostport` (reconnected when nginx closed
 * it). */
static int get(int *fd, const char *hostport, const char *path, response_t *res) {
    char req[1024], buf[16384];
    size_t have = 0;
    int len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: test\r\n\r\n", path);
    for (int attempt = 0; attempt < 2; attempt++) {
        if (*fd < 0 && (*fd = connect_to(hostport)) < 0) return -1;
        if (write(*fd, req, (size_t)len) == len) break;
        close(*fd);
        *fd = -1;
    }
    if (*fd < 0) return -1;
    char *head_end = NULL;
    while (head_end == NULL) {
        ssize_t r = read(*fd, buf + have, sizeof buf - 1 - have);
        if (r <= 0) return -1;
        have += (size_t)r;
        buf[have] = '\0';
        head_end = strstr(buf, "\r\n\r\n");
        if (head_end == NULL && have == sizeof buf - 1) return -1;
    }
    *head_end = '\0';
    res->status = 0;
    sscanf(buf, "HTTP/1.1 %d", &res->status);
    res->upstream[0] = '\0';
    long clen = 0;
    int closing = 0;
    for (char *line = strstr(buf, "\r\n"); line != NULL; line = strstr(line + 2, "\r\n")) {
        char *l = line + 2;
        if (strncasecmp(l, "Content-Length:", 15) == 0) clen = strtol(l + 15, NULL, 10);
        if (strncasecmp(l, "Connection: close", 17) == 0) closing = 1;
        if (strncasecmp(l, "X-Upstream:", 11) == 0) {
            const char *v = l + 11 + strspn(l + 11, " ");
            size_t vl = strcspn(v, "\r");
            if (vl >= sizeof res->upstream) vl = sizeof res->upstream - 1;
            memcpy(res->upstream, v, vl);
            res->upstream[vl] = '\0';
        }
    }
    size_t body_have = have - (size_t)(head_end + 4 - buf);
    char *body = head_end + 4;
    if (clen < 0 || clen >= (long)sizeof buf) return -1;
    memmove(buf, body, body_have);
    while ((long)body_have < clen) {
        ssize_t r = read(*fd, buf + body_have, (size_t)clen - body_have);
        if (r <= 0) return -1;
        body_have += (size_t)r;
    }
    size_t keep = (size_t)clen < sizeof res->body ? (size_t)clen : sizeof res->body - 1;
    memcpy(res->body, buf, keep);
    res->body[keep] = '\0';
    if (closing) {
        close(*fd);
        *fd = -1;
    }
    return 0;
}

/* Whether the last address in $upstream_addr ("a, b" after a failover) is server `s`. */
static int from_server(const char *up, int s) {
    const char *last = strrchr(up, ' ');
    last = last ? last + 1 : up;
    return strchr(last, ':') != NULL && same_endpoint(last, addr[s]);
}

static int fetch(const char *prefix, int n, const char *hostport, const char *path,
                 const char *mode, const char *dead_addr) {
    int fd = -1, passed = 0, failed = 0, hits = 0, dead = -1;
    int moved = 0;
    if (dead_addr != NULL) {
        for (int s = 0; s < nservers; s++)
            if (strcmp(addr[s], dead_addr) == 0) dead = s;
        if (dead < 0) die("DEAD is not a server of the ring");
    }
    for (int i = 0; i < n; i++) {
        char key[256], url[512];
        response_t res;
        snprintf(key, sizeof key, "%s%05d", prefix, i);
        snprintf(url, sizeof url, "%s%s", path, key);
        int s = server_of(key);
        if (get(&fd, hostport, url, &res) != 0) {
            if (++failed <= 5) printf("FAIL: %s: no answer from nginx\n", url);
            continue;
        }
        int hit = res.status == 200 && strcmp(res.body, value_of(key, s)) == 0;
        int ok;
        hits += hit;
        if (strcmp(mode, "contrast") == 0) {
            ok = 1;
        } else if (strcmp(mode, "route") == 0) {
            ok = from_server(res.upstream, s);
        } else if (s == dead && strcmp(mode, "failover") == 0) {
            int next = walk_from(key, dead);
            ok = res.status == 404 && next >= 0 && from_server(res.upstream, next);
            moved += ok;
        } else if (s == dead && strcmp(mode, "strict") == 0) {
            ok = res.status == 502;
        } else if (strcmp(mode, "hit") == 0 || strcmp(mode, "failover") == 0 ||
                   strcmp(mode, "strict") == 0) {
            /* the body names the server; X-Upstream, where the location sends it, too */
            ok = hit && (res.upstream[0] == '\0' || from_server(res.upstream, s));
        } else {
            die("unknown MODE");
        }
        if (ok) {
            passed++;
        } else if (++failed <= 5) {
            printf("FAIL: %s: status %d, body \"%s\", upstream \"%s\"; its server is %s\n",
                   url, res.status, res.body, res.upstream, addr[s]);
        }
    }
    if (fd >= 0) close(fd);
    printf("fetch %s%s (%s): %d of %d keys found on the server %s named (%.1f%%)\n", path,
           prefix, mode, hits, n, flavor ? flavor : "libketama", 100.0 * hits / n);
    if (strcmp(mode, "failover") == 0) {
        printf("fetch: %d keys of %s went where the walk leads\n", moved, addr[dead]);
        if (moved == 0) { /* a stopped server without keys would test no walk */
            printf("FAIL: no key of %s went where the walk leads\n", addr[dead]);
            failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "-k") == 0) {
        value_is_key = 1;
        argc--;
        argv++;
    }
    if (argc == 3 && strcmp(argv[1], "error") == 0) {
        if (build_ring(argv[2]) != NULL) die("the library takes this ring");
        printf("%s\n", ketama_error());
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "flavors") == 0) {
        for (unsigned int i = 0; ketama_flavor_name(i) != NULL; i++)
            printf("%s\n", ketama_flavor_name(i));
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "items") == 0) return items(argc - 2, argv + 2);
    if (argc == 5 && strcmp(argv[1], "store") == 0) {
        load_ring(argv[2]);
        return store(argv[3], atoi(argv[4]));
    }
    if ((argc == 8 || argc == 9) && strcmp(argv[1], "fetch") == 0) {
        load_ring(argv[2]);
        return fetch(argv[3], atoi(argv[4]), argv[5], argv[6], argv[7],
                     argc == 9 ? argv[8] : NULL);
    }
    fprintf(stderr, "usage: see the comment at the top of nginx/tests/kclient.c\n");
    return 2;
}
