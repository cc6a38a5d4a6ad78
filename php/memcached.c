/*
 * Ketama\Continuum::fromMemcached: the ring a php-memcached object places keys on, read from
 * the object through its own methods (getServerList, getOption, getServerByKey): its servers,
 * and the flavor its options make. No line of the algorithm: libmemcached's choices (1.1's
 * update_continuum and dispatch_host) are named here, the library builds the ring.
 *
 * What decides libmemcached's ring: the distribution (OPT_DISTRIBUTION), its "weighted" flag
 * (what getOption(OPT_LIBKETAMA_COMPATIBLE) returns under a consistent distribution, however
 * it was set: by that option, by adding servers of weight above 1, by distribution 5), and the
 * key hash (OPT_HASH, which also hashes the points of an unweighted ring). php-memcached does
 * not tell the servers' weights (getServerList has none): the caller gives them, and a sample
 * of keys asked of both rings catches weights that are not the object's.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php.h"
#include "zend_exceptions.h"

#include "ketama_memcached.h"

/* libmemcached's behaviours, the numbers php-memcached's getOption() passes to it:
 * Memcached::OPT_HASH, OPT_DISTRIBUTION, OPT_LIBKETAMA_COMPATIBLE (which is
 * MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED), OPT_HASH_WITH_PREFIX_KEY; OPT_PREFIX_KEY is
 * php-memcached's own. OPT_LIBKETAMA_HASH (the "distribution hash") is read by no ring. */
#define OPT_HASH 2
#define OPT_DISTRIBUTION 9
#define OPT_KETAMA_WEIGHTED 16
#define OPT_HASH_WITH_PREFIX_KEY 25
#define OPT_PREFIX_KEY (-1002)

/* memcached_server_distribution_t. */
enum {
    DIST_MODULA,
    DIST_CONSISTENT,
    DIST_CONSISTENT_KETAMA,
    DIST_RANDOM,
    DIST_CONSISTENT_KETAMA_SPY,
    DIST_CONSISTENT_WEIGHTED,
    DIST_VIRTUAL_BUCKET,
};
static const char *const distribution_names[] = {
    "DISTRIBUTION_MODULA", "DISTRIBUTION_CONSISTENT", "CONSISTENT_KETAMA (2)", "RANDOM (3)",
    "CONSISTENT_KETAMA_SPY (4)", "CONSISTENT_WEIGHTED (5)", "DISTRIBUTION_VIRTUAL_BUCKET",
};

/* memcached_hash_t: php-memcached's HASH_* constants, and the three it has none for. */
enum { HASH_DEFAULT, HASH_MD5 };
static const char *const hash_names[] = {
    "HASH_DEFAULT", "HASH_MD5", "HASH_CRC", "HASH_FNV1_64", "HASH_FNV1A_64", "HASH_FNV1_32",
    "HASH_FNV1A_32", "HASH_HSIEH", "HASH_MURMUR", "jenkins (9)", "murmur3 (10)", "custom (11)",
};

/* The port libmemcached gives a server added with port 0. */
#define DEFAULT_PORT 11211

/* Keys asked of both rings by ketama_memcached_check. A weight that moves one MD5 of a
 * server's points moves some 1/(40 n) of the keys: among 1000 keys, one at least in 99.7 % of
 * cases for 4 servers; a weight given wrong by a factor moves far more. */
#define CHECK_KEYS 1000

static const char *name_of(const char *const *names, size_t count, zend_long value)
{
    return value >= 0 && (zend_ulong)value < count ? names[value] : "unknown";
}

static void refuse(const char *format, ...) ZEND_ATTRIBUTE_FORMAT(printf, 1, 2);

/* A Ketama\Exception naming the method and why. */
static void refuse(const char *format, ...)
{
    va_list args;
    char *why, *message;
    va_start(args, format);
    zend_vspprintf(&why, 0, format, args);
    va_end(args);
    zend_spprintf(&message, 0, "Ketama\\Continuum::fromMemcached(): %s", why);
    ketama_throw_refusal(message);
    efree(message);
    efree(why);
}

/* php-memcached's class, when that extension is loaded (not a user class of the name). */
static zend_class_entry *memcached_class(void)
{
    zend_class_entry *ce =
        zend_hash_str_find_ptr(CG(class_table), "memcached", sizeof("memcached") - 1);
    return ce && ce->type == ZEND_INTERNAL_CLASS ? ce : NULL;
}

/* Calls Memcached's own method `name` (lower case) on `m`: the class's, not a subclass's
 * override, since the ring is the extension's whatever a subclass reports. False, `ret`
 * undefined, when it threw (a Memcached whose constructor was not called throws Error). */
static bool call(zend_object *m, const char *name, zval *ret, uint32_t argc, zval *argv)
{
    ZVAL_UNDEF(ret);
    zend_function *fn = zend_hash_str_find_ptr(&memcached_class()->function_table, name,
                                               strlen(name));
    if (!fn) {
        zend_throw_error(NULL, "Ketama\\Continuum::fromMemcached(): Memcached has no %s()", name);
        return false;
    }
    zend_call_known_instance_method(fn, m, ret, argc, argv);
    if (EG(exception)) {
        zval_ptr_dtor(ret);
        ZVAL_UNDEF(ret);
        return false;
    }
    return true;
}

/* getOption(option) into `ret` (the caller frees it); false when it threw. */
static bool get_option(zend_object *m, zend_long option, zval *ret)
{
    zval arg;
    ZVAL_LONG(&arg, option);
    return call(m, "getoption", ret, 1, &arg);
}

/* getOption(option) as an int; false with a refusal when it threw or gave something else. */
static bool int_option(zend_object *m, zend_long option, zend_long *out)
{
    zval ret;
    if (!get_option(m, option, &ret)) {
        return false;
    }
    if (Z_TYPE(ret) != IS_LONG) {
        refuse("getOption(" ZEND_LONG_FMT ") gave %s, not an int", option,
               zend_zval_type_name(&ret));
        zval_ptr_dtor(&ret);
        return false;
    }
    *out = Z_LVAL(ret);
    return true;
}

/* The flavor of libmemcached's ring for these options, or NULL with a refusal saying why. */
static const char *ring_flavor(zend_long distribution, bool weighted, zend_long hash)
{
    const char *dist = name_of(distribution_names, sizeof(distribution_names) / sizeof(char *),
                               distribution);
    const char *hashed = name_of(hash_names, sizeof(hash_names) / sizeof(char *), hash);
    switch (distribution) {
    case DIST_CONSISTENT:
    case DIST_CONSISTENT_KETAMA:
    case DIST_CONSISTENT_WEIGHTED:
        if (hash == HASH_MD5) {
            return weighted ? "libmemcached" : "libmemcached-ketama";
        }
        if (hash == HASH_DEFAULT) {
            return weighted ? "libmemcached-consistent-weighted" : "libmemcached-consistent";
        }
        refuse("no flavor hashes keys as the Memcached object's OPT_HASH %s (" ZEND_LONG_FMT
               ") does: libmemcached's consistent rings are flavors with HASH_DEFAULT "
               "(one-at-a-time) and HASH_MD5", hashed, hash);
        return NULL;
    case DIST_CONSISTENT_KETAMA_SPY:
        if (weighted && hash == HASH_MD5) {
            return "libmemcached-spy";
        }
        refuse("the Memcached object's OPT_DISTRIBUTION %s is a flavor (libmemcached-spy) only "
               "weighted and with HASH_MD5, as OPT_LIBKETAMA_COMPATIBLE set before it makes it; "
               "it is %s, with %s", dist, weighted ? "weighted" : "unweighted", hashed);
        return NULL;
    case DIST_MODULA:
        refuse("the Memcached object's OPT_DISTRIBUTION is DISTRIBUTION_MODULA (php-memcached's "
               "default): a key goes to its hash modulo the number of servers, on no ring; "
               "OPT_LIBKETAMA_COMPATIBLE or OPT_DISTRIBUTION = DISTRIBUTION_CONSISTENT make one");
        return NULL;
    case DIST_RANDOM:
        refuse("the Memcached object's OPT_DISTRIBUTION is RANDOM (3): a key goes to a server "
               "drawn at random");
        return NULL;
    case DIST_VIRTUAL_BUCKET:
        refuse("the Memcached object's OPT_DISTRIBUTION is DISTRIBUTION_VIRTUAL_BUCKET "
               "(setBucket()): keys go to their bucket's server, on no ring");
        return NULL;
    default:
        refuse("the Memcached object's OPT_DISTRIBUTION is " ZEND_LONG_FMT ", a distribution "
               "libmemcached 1.1 does not have", distribution);
        return NULL;
    }
}

/* One [host, port, weight] entry of the weights argument, as addServers() takes it. */
typedef struct {
    zend_string *host; /* "" is libmemcached's "localhost" */
    zend_long port;    /* 0 is 11211 */
    zend_long weight;  /* 0 is 1 */
    bool used;
} weight_entry;

/* Reads the weights argument into `out` (`n` entries), or throws. */
static bool read_weights(HashTable *weights, weight_entry *out)
{
    uint32_t i = 0;
    zval *entry;
    ZEND_HASH_FOREACH_VAL(weights, entry) {
        ZVAL_DEREF(entry);
        zval *host = NULL, *port = NULL, *weight = NULL;
        uint32_t fields = 0;
        if (Z_TYPE_P(entry) == IS_ARRAY) {
            host = zend_hash_index_find_deref(Z_ARRVAL_P(entry), 0);
            port = zend_hash_index_find_deref(Z_ARRVAL_P(entry), 1);
            weight = zend_hash_index_find_deref(Z_ARRVAL_P(entry), 2);
            fields = zend_hash_num_elements(Z_ARRVAL_P(entry));
        }
        if (!host || !port || fields != (weight ? 3u : 2u) || Z_TYPE_P(host) != IS_STRING) {
            zend_argument_type_error(2, "must contain [host, port, weight] entries, as "
                                        "Memcached::addServers() takes them");
            return false;
        }
        weight_entry *w = &out[i++];
        w->host = Z_STR_P(host);
        w->weight = 0;
        w->used = false;
        if (!ketama_integer(port, &w->port) || (weight && !ketama_integer(weight, &w->weight))) {
            zend_argument_type_error(2, "must contain ports and weights of type int for \"%.*s\"",
                                     (int)MIN(ZSTR_LEN(w->host), 64), ZSTR_VAL(w->host));
            return false;
        }
        if (w->port < 0 || w->port > 65535 || w->weight < 0 || w->weight > UINT32_MAX) {
            zend_argument_value_error(2, "must contain ports of 0 to 65535 and weights of 0 to "
                                         "4294967295 (libmemcached's), for \"%.*s\"",
                                      (int)MIN(ZSTR_LEN(w->host), 64), ZSTR_VAL(w->host));
            return false;
        }
    } ZEND_HASH_FOREACH_END();
    return true;
}

/* The weight given for the server `host`:`port` (the first entry not taken yet that names it:
 * a server added twice takes its entries in order), or -1. */
static zend_long take_weight(weight_entry *entries, uint32_t n, zend_string *host, zend_long port)
{
    for (uint32_t i = 0; i < n; i++) {
        weight_entry *w = &entries[i];
        bool same_host = ZSTR_LEN(w->host) == 0 ? zend_string_equals_literal(host, "localhost")
                                                 : zend_string_equals(w->host, host);
        if (!w->used && same_host && (w->port ? w->port : DEFAULT_PORT) == port) {
            w->used = true;
            return w->weight ? w->weight : 1; /* libmemcached's weight 0 is 1 */
        }
    }
    return -1;
}

/* Server `i` of getServerList()'s `entry` into `ring`, or a refusal. */
static bool read_server(zval *entry, uint32_t i, ketama_memcached_ring *ring)
{
    zval *host = NULL, *port = NULL, *type = NULL;
    ZVAL_DEREF(entry);
    if (Z_TYPE_P(entry) == IS_ARRAY) {
        host = zend_hash_str_find_deref(Z_ARRVAL_P(entry), "host", sizeof("host") - 1);
        port = zend_hash_str_find_deref(Z_ARRVAL_P(entry), "port", sizeof("port") - 1);
        type = zend_hash_str_find_deref(Z_ARRVAL_P(entry), "type", sizeof("type") - 1);
    }
    if (!host || !port || !type || Z_TYPE_P(host) != IS_STRING || Z_TYPE_P(port) != IS_LONG ||
        Z_TYPE_P(type) != IS_STRING) {
        refuse("getServerList() gave server %u without its host, port and type", i);
        return false;
    }
    if (!zend_string_equals_literal(Z_STR_P(type), "TCP")) {
        refuse("the Memcached object's server %u, %s, is a %s server: the flavors are rings of "
               "servers named by host and port, as nginx and the other clients reach them over "
               "TCP", i, Z_STRVAL_P(host), Z_STRVAL_P(type));
        return false;
    }
    ring->hosts[i] = zend_string_copy(Z_STR_P(host));
    ring->ports[i] = Z_LVAL_P(port);
    /* Written as an application writes it: an IPv6 address in brackets. */
    bool v6 = memchr(Z_STRVAL_P(host), ':', Z_STRLEN_P(host)) != NULL;
    ring->addrs[i] = zend_strpprintf(0, v6 ? "[%s]:" ZEND_LONG_FMT : "%s:" ZEND_LONG_FMT,
                                     Z_STRVAL_P(host), Z_LVAL_P(port));
    ring->servers[i].addr = ZSTR_VAL(ring->addrs[i]);
    ring->servers[i].weight = 1;
    ring->count = i + 1;
    return true;
}

/* Reads getServerList() into `ring`, the weights from `weights`; or throws. */
static bool read_servers(zend_object *m, HashTable *weights, ketama_memcached_ring *ring)
{
    zval list;
    if (!call(m, "getserverlist", &list, 0, NULL)) {
        return false;
    }
    bool ok = false;
    uint32_t n = Z_TYPE(list) == IS_ARRAY ? zend_hash_num_elements(Z_ARRVAL(list)) : 0;
    uint32_t given = weights ? zend_hash_num_elements(weights) : 0;
    weight_entry *entries = given ? safe_emalloc(given, sizeof(weight_entry), 0) : NULL;
    if (n == 0) {
        refuse("the Memcached object has no servers");
        goto done;
    }
    if (entries && !read_weights(weights, entries)) {
        goto done;
    }
    ring->servers = safe_emalloc(n, sizeof(ketama_server), 0);
    ring->addrs = safe_emalloc(n, sizeof(zend_string *), 0);
    ring->hosts = safe_emalloc(n, sizeof(zend_string *), 0);
    ring->ports = safe_emalloc(n, sizeof(zend_long), 0);
    uint32_t i = 0;
    zval *entry;
    ZEND_HASH_FOREACH_VAL(Z_ARRVAL(list), entry) {
        if (!read_server(entry, i, ring)) {
            goto done;
        }
        if (entries) {
            zend_long w = take_weight(entries, given, ring->hosts[i], ring->ports[i]);
            if (w < 0) {
                zend_argument_value_error(2, "must give the weight of every server of the "
                                             "Memcached object: none given for %s",
                                          ZSTR_VAL(ring->addrs[i]));
                goto done;
            }
            ring->servers[i].weight = (unsigned long)w;
        }
        i++;
    } ZEND_HASH_FOREACH_END();
    for (uint32_t j = 0; j < given; j++) {
        if (!entries[j].used) {
            zend_argument_value_error(2, "names a server the Memcached object does not have: "
                                         "\"%.*s\" port " ZEND_LONG_FMT,
                                      (int)MIN(ZSTR_LEN(entries[j].host), 64),
                                      ZSTR_VAL(entries[j].host), entries[j].port);
            goto done;
        }
    }
    ok = true;
done:
    if (entries) {
        efree(entries);
    }
    zval_ptr_dtor(&list);
    return ok;
}

/* Refuses what makes the object hash other bytes than the key: its prefix, when
 * OPT_HASH_WITH_PREFIX_KEY puts it in front of every key it hashes. */
static bool check_prefix(zend_object *m)
{
    zend_long with_prefix;
    if (!int_option(m, OPT_HASH_WITH_PREFIX_KEY, &with_prefix)) {
        return false;
    }
    zval prefix;
    if (!get_option(m, OPT_PREFIX_KEY, &prefix)) {
        return false;
    }
    bool ok = !with_prefix || Z_TYPE(prefix) != IS_STRING || Z_STRLEN(prefix) == 0;
    if (!ok) {
        refuse("the Memcached object hashes every key with its OPT_PREFIX_KEY \"%s\" in front "
               "(OPT_HASH_WITH_PREFIX_KEY), which a continuum does not add to the keys it is "
               "given", Z_STRVAL(prefix));
    }
    zval_ptr_dtor(&prefix);
    return ok;
}

/* The flavor libmemcached-consistent-weighted is the ring php-memcached makes when servers of
 * weight above 1 are added under DISTRIBUTION_CONSISTENT, and it builds the unweighted one
 * (libmemcached-consistent) when no weight is above 1, as that order of calls does. An object
 * weighted otherwise (distribution 5, or OPT_LIBKETAMA_COMPATIBLE then HASH_DEFAULT) with every
 * weight 1 has the same weighted ring as with every weight 2 (the shares are the same floats):
 * so its servers get 2, which nginx or any client then given this server list builds alike. */
static void keep_weighted(ketama_memcached_ring *ring)
{
    for (uint32_t i = 0; i < ring->count; i++) {
        if (ring->servers[i].weight > 1) {
            return;
        }
    }
    for (uint32_t i = 0; i < ring->count; i++) {
        ring->servers[i].weight = 2;
    }
}

bool ketama_memcached_read(zval *memcached, HashTable *weights, ketama_memcached_ring *ring)
{
    memset(ring, 0, sizeof(*ring));
    zend_class_entry *ce = memcached_class();
    if (!ce) {
        zend_throw_error(NULL, "Ketama\\Continuum::fromMemcached() needs the memcached "
                               "extension (Debian: php-memcached)");
        return false;
    }
    if (Z_TYPE_P(memcached) != IS_OBJECT || !instanceof_function(Z_OBJCE_P(memcached), ce)) {
        zend_argument_type_error(1, "must be of type Memcached, %s given",
                                 zend_zval_type_name(memcached));
        return false;
    }
    zend_object *m = Z_OBJ_P(memcached);
    zend_long distribution, weighted, hash;
    if (!read_servers(m, weights, ring) || !check_prefix(m) ||
        !int_option(m, OPT_DISTRIBUTION, &distribution) ||
        !int_option(m, OPT_KETAMA_WEIGHTED, &weighted) || !int_option(m, OPT_HASH, &hash)) {
        return false;
    }
    ring->weighted = weighted != 0;
    ring->flavor = ring_flavor(distribution, ring->weighted, hash);
    if (ring->flavor && strcmp(ring->flavor, "libmemcached-consistent-weighted") == 0) {
        keep_weighted(ring);
    }
    return ring->flavor != NULL;
}

/* Whether getServerByKey(key) of `m` names server `ours` of `ring`; if not, a refusal. */
static bool same_server(zend_object *m, const ketama_memcached_ring *ring, const char *key,
                        int ours)
{
    zval arg, theirs;
    ZVAL_STRING(&arg, key);
    bool called = call(m, "getserverbykey", &theirs, 1, &arg);
    zval_ptr_dtor(&arg);
    if (!called) {
        return false;
    }
    zval *host = NULL, *port = NULL;
    if (Z_TYPE(theirs) == IS_ARRAY) {
        host = zend_hash_str_find_deref(Z_ARRVAL(theirs), "host", sizeof("host") - 1);
        port = zend_hash_str_find_deref(Z_ARRVAL(theirs), "port", sizeof("port") - 1);
    }
    if (!host || !port || Z_TYPE_P(host) != IS_STRING || Z_TYPE_P(port) != IS_LONG) {
        refuse("getServerByKey(\"%s\") gave no server", key);
        zval_ptr_dtor(&theirs);
        return false;
    }
    /* get_server answers an index of the ring's servers for any key of a built ring. */
    bool same = zend_string_equals(ring->hosts[ours], Z_STR_P(host)) &&
                ring->ports[ours] == Z_LVAL_P(port);
    if (!same) {
        refuse("the ring built as %s puts the key \"%s\" on %s, the Memcached object on "
               "%s:" ZEND_LONG_FMT ": %s", ring->flavor, key, ZSTR_VAL(ring->addrs[ours]),
               Z_STRVAL_P(host), Z_LVAL_P(port),
               ring->weighted ? "the Memcached object's weights are not those given (argument "
                                "#2, as addServers() took them; 1 each without it), or a server "
                                "is ejected at the moment"
                              : "its OPT_HASH was changed after its ring was made (libmemcached "
                                "hashes an unweighted ring's points with the OPT_HASH of when "
                                "servers were last added or the distribution chosen), or a "
                                "server is ejected at the moment (OPT_REMOVE_FAILED_SERVERS)");
    }
    zval_ptr_dtor(&theirs);
    return same;
}

bool ketama_memcached_check(zval *memcached, const ketama_memcached_ring *ring,
                            ketama_continuum cont)
{
    char key[32];
    for (uint32_t i = 0; i < CHECK_KEYS; i++) {
        int len = snprintf(key, sizeof(key), "ketama-check:%u", i);
        int ours = get_server(cont, key, (size_t)len);
        if (ours < 0 || (uint32_t)ours >= ring->count) {
            refuse("the ring built as %s has no server for the key \"%s\"", ring->flavor, key);
            return false;
        }
        if (!same_server(Z_OBJ_P(memcached), ring, key, ours)) {
            return false;
        }
    }
    return true;
}

void ketama_memcached_free(ketama_memcached_ring *ring)
{
    for (uint32_t i = 0; i < ring->count; i++) {
        zend_string_release(ring->addrs[i]);
        zend_string_release(ring->hosts[i]);
    }
    if (ring->servers) {
        efree(ring->servers);
        efree(ring->addrs);
        efree(ring->hosts);
        efree(ring->ports);
    }
    memset(ring, 0, sizeof(*ring));
}
