/* The libmemcached oracle: asks Debian's libmemcached (1.1.4) which server it picks for each key.
 *
 *     oracle FLAVOR LIST KEYS OUT
 *
 * In process, no memcached needed: memcached_create, memcached_server_add_with_weight for each
 * server of LIST, the flavor's behaviours, then memcached_server_by_key for every key of KEYS.
 * OUT gets `KEY<TAB>ADDRESS`, ADDRESS as LIST spells it. The work runs in a child process: an
 * assertion inside libmemcached (it has some) aborts the child, and we exit 78 saying so.
 *
 * Exit: 0 done; 2 usage or unreadable input; 78 libmemcached refused (error code, NULL server,
 * abort), with the reason on stderr.
 */
#define _GNU_SOURCE
#include <libmemcached/memcached.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_REFUSED 78

struct server {
    char *addr;      /* as the list spells it: what we print */
    char *host;      /* what the application hands libmemcached: no brackets */
    unsigned port;   /* 11211 when the address has none */
    unsigned long weight;
};

static void die(int code, const char *fmt, const char *arg) {
    fprintf(stderr, "libmemcached oracle: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(code);
}

/* `h:p`, `[v6]:p`, `[v6]`, `h` (port 11211). An address with several colons and no brackets
 * is a bare IPv6 literal: all host, port 11211. */
static void split_address(struct server *s) {
    const char *a = s->addr;
    const char *port = NULL;
    if (a[0] == '[') {
        const char *end = strchr(a, ']');
        if (!end || (end[1] != '\0' && end[1] != ':'))
            die(2, "bad address %s", a);
        s->host = strndup(a + 1, (size_t)(end - a - 1));
        if (end[1] == ':')
            port = end + 2;
    } else {
        const char *colon = strchr(a, ':');
        if (colon && !strchr(colon + 1, ':')) {
            s->host = strndup(a, (size_t)(colon - a));
            port = colon + 1;
        } else {
            s->host = strdup(a);
        }
    }
    s->port = MEMCACHED_DEFAULT_PORT;
    if (port) {
        char *end;
        errno = 0;
        unsigned long p = strtoul(port, &end, 10);
        if (errno || *end || end == port || p > 65535)
            die(2, "bad port in %s", a);
        s->port = (unsigned)p;
    }
}

/* `ADDRESS [WEIGHT]` a line, `#` starts a comment. */
static struct server *read_list(const char *path, size_t *count) {
    FILE *f = fopen(path, "r");
    if (!f)
        die(2, "cannot read %s", path);
    struct server *list = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t len = 0;
    while (getline(&line, &len, f) != -1) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *save = NULL;
        char *addr = strtok_r(line, " \t\r\n", &save);
        if (!addr)
            continue;
        char *weight = strtok_r(NULL, " \t\r\n", &save);
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            list = realloc(list, cap * sizeof *list);
            if (!list)
                die(2, "%s", "out of memory");
        }
        struct server *s = &list[n++];
        s->addr = strdup(addr);
        s->weight = 1;
        if (weight) {
            char *end;
            errno = 0;
            s->weight = strtoul(weight, &end, 10);
            if (errno || *end || weight[0] == '-' || s->weight > UINT32_MAX)
                die(2, "bad weight on the line of %s", addr);
        }
        split_address(s);
    }
    free(line);
    fclose(f);
    *count = n;
    return list;
}

static void check(memcached_st *memc, memcached_return_t rc, const char *what) {
    if (rc != MEMCACHED_SUCCESS) {
        fprintf(stderr, "libmemcached oracle: libmemcached refuses %s: %s (%s)\n", what,
                memcached_strerror(memc, rc), memcached_last_error_message(memc));
        exit(EXIT_REFUSED);
    }
}

/* The flavor's behaviours, set AFTER the servers are added: adding a server of weight > 1
 * while a consistent distribution is already chosen turns weighting on in libmemcached
 * (hosts.cc server_add), and setting DISTRIBUTION_CONSISTENT(_KETAMA) turns it off again. */
static void set_flavor(memcached_st *memc, const char *flavor) {
    if (!strcmp(flavor, "libmemcached")) {
        /* KETAMA_WEIGHTED: key hash MD5, distribution CONSISTENT_WEIGHTED, weighted on. */
        check(memc, memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1),
              "KETAMA_WEIGHTED");
    } else if (!strcmp(flavor, "libmemcached-ketama")) {
        /* CONSISTENT_KETAMA leaves the key hash alone (one-at-a-time): MD5 is asked for. */
        check(memc, memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_HASH, MEMCACHED_HASH_MD5),
              "HASH=MD5");
        check(memc,
              memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_DISTRIBUTION,
                                     MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA),
              "DISTRIBUTION=CONSISTENT_KETAMA");
    } else if (!strcmp(flavor, "libmemcached-consistent")) {
        check(memc,
              memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_DISTRIBUTION,
                                     MEMCACHED_DISTRIBUTION_CONSISTENT),
              "DISTRIBUTION=CONSISTENT");
    } else if (!strcmp(flavor, "libmemcached-spy")) {
        /* As libmemcached's own spymemcached test: KETAMA_WEIGHTED (MD5, weighted), then the
         * SPY distribution, which keeps both. */
        check(memc, memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1),
              "KETAMA_WEIGHTED");
        check(memc,
              memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_DISTRIBUTION,
                                     MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA_SPY),
              "DISTRIBUTION=CONSISTENT_KETAMA_SPY");
    } else if (!strcmp(flavor, "libmemcached-consistent-weighted")) {
        /* The common php-memcached setup: DISTRIBUTION_CONSISTENT chosen first, then servers of
         * weight > 1 added: MD5 weighted points, one-at-a-time key hash. Set before adding. */
        check(memc,
              memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_DISTRIBUTION,
                                     MEMCACHED_DISTRIBUTION_CONSISTENT),
              "DISTRIBUTION=CONSISTENT");
    } else {
        die(2, "unknown flavor %s", flavor);
    }
}

static int flavor_set_before_adding(const char *flavor) {
    return !strcmp(flavor, "libmemcached-consistent-weighted");
}

/* The work: in the child. */
static int run(const char *flavor, const char *list_path, const char *keys_path,
               const char *out_path) {
    size_t n;
    struct server *list = read_list(list_path, &n);

    memcached_st *memc = memcached_create(NULL);
    if (!memc)
        die(2, "%s", "memcached_create failed");
    if (flavor_set_before_adding(flavor))
        set_flavor(memc, flavor);
    for (size_t i = 0; i < n; i++) {
        char what[160];
        snprintf(what, sizeof what, "the server %.60s%s (%zu bytes of host name)", list[i].addr,
                 strlen(list[i].addr) > 60 ? "..." : "", strlen(list[i].host));
        check(memc,
              memcached_server_add_with_weight(memc, list[i].host, (in_port_t)list[i].port,
                                               (uint32_t)list[i].weight),
              what);
    }
    if (!flavor_set_before_adding(flavor))
        set_flavor(memc, flavor);

    /* The instances, in list order (SORT_HOSTS is off): a returned pointer maps to its index. */
    const memcached_instance_st **inst = calloc(n ? n : 1, sizeof *inst);
    for (size_t i = 0; i < n; i++)
        inst[i] = memcached_server_instance_by_position(memc, (uint32_t)i);

    FILE *keys = fopen(keys_path, "r");
    if (!keys)
        die(2, "cannot read %s", keys_path);
    FILE *out = fopen(out_path, "w");
    if (!out)
        die(2, "cannot write %s", out_path);
    char *key = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&key, &cap, keys)) != -1) {
        if (len > 0 && key[len - 1] == '\n')
            key[--len] = '\0';
        memcached_return_t rc = MEMCACHED_SUCCESS;
        const memcached_instance_st *got = memcached_server_by_key(memc, key, (size_t)len, &rc);
        if (!got) {
            fclose(out);
            fprintf(stderr,
                    "libmemcached oracle: memcached_server_by_key returns no server for the key "
                    "\"%.60s%s\" (%zd bytes): %s\n",
                    key, len > 60 ? "..." : "", len, memcached_strerror(memc, rc));
            return EXIT_REFUSED;
        }
        size_t i = 0;
        while (i < n && inst[i] != got)
            i++;
        if (i == n) {
            fprintf(stderr, "libmemcached oracle: unknown instance %s:%u for \"%s\"\n",
                    memcached_server_name(got), memcached_server_port(got), key);
            return EXIT_REFUSED;
        }
        fprintf(out, "%s\t%s\n", key, list[i].addr);
    }
    free(key);
    fclose(keys);
    if (fclose(out) != 0)
        die(2, "cannot write %s", out_path);
    memcached_free(memc);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s FLAVOR LIST KEYS OUT\n", argv[0]);
        return 2;
    }
    /* The child's stderr comes through a pipe: on an abort we keep the assertion's line and drop
     * the backtrace libmemcached prints after it. */
    int pipefd[2];
    if (pipe(pipefd) < 0)
        die(2, "%s", "pipe failed");
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        die(2, "%s", "fork failed");
    if (pid == 0) {
        close(pipefd[0]);
        dup2(pipefd[1], STDERR_FILENO);
        close(pipefd[1]);
        _exit(run(argv[1], argv[2], argv[3], argv[4]));
    }
    close(pipefd[1]);
    static char err[65536];
    size_t got = 0;
    ssize_t r;
    char sink[4096];
    while ((r = read(pipefd[0], got < sizeof err - 1 ? err + got : sink,
                     got < sizeof err - 1 ? sizeof err - 1 - got : sizeof sink)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (got < sizeof err - 1)
            got += (size_t)r;
    }
    err[got] = '\0';
    close(pipefd[0]);

    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            die(2, "%s", "waitpid failed");
    if (WIFEXITED(status)) {
        fputs(err, stderr);
        if (WEXITSTATUS(status) != 0)
            unlink(argv[4]); /* no half answer */
        return WEXITSTATUS(status);
    }
    /* libmemcached's assert_msg prints "file:line Assertion ... failed ..." then aborts. */
    unlink(argv[4]);
    const char *why = strstr(err, "Assertion");
    while (why && why > err && why[-1] != '\n')
        why--;
    int why_len = why ? (int)strcspn(why, "\n") : 0;
    fprintf(stderr, "libmemcached oracle: libmemcached aborted (signal %d, %s) on %s: %.*s\n",
            WTERMSIG(status), strsignal(WTERMSIG(status)), argv[2], why_len,
            why ? why : "");
    return EXIT_REFUSED;
}
