/*
 * The ketama extension for PHP 8: libketama's consistent hashing, linked through
 * `pkg-config ketama` (no line of the algorithm here).
 *
 * Two APIs on one class:
 * - last.fm's php_ketama functions (ketama_roll, ketama_get_server, ketama_print_continuum,
 *   ketama_destroy, ketama_error), so old scripts run unchanged. As PHP 8 did for curl and gd,
 *   the handle is a Ketama\Continuum object instead of a resource, and a failed roll throws
 *   Ketama\Exception instead of the old fatal error.
 * - Ketama\Continuum's methods: built from an array or a file, binary-safe keys, whole
 *   addresses (ketama_server_at), one get_servers call for a batch; any flavor of the library
 *   (other clients' rings), and the ring of a php-memcached object (memcached.c).
 *
 * Nothing a script passes may crash PHP: every argument is checked here with PHP's own
 * wording (TypeError, ValueError), a destroyed continuum throws an Error, and the library's
 * own refusals become Ketama\Exception with its message.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php.h"
#include "ext/standard/info.h"
#include "zend_exceptions.h"
#include "zend_interfaces.h"
#include "zend_smart_str.h"

#include "php_ketama.h"
#include "ketama_arginfo.h"
#include "ketama_memcached.h"

#include <string.h>

/* What the extension keeps per request (per thread under ZTS). */
ZEND_BEGIN_MODULE_GLOBALS(ketama)
    /* What ketama_error() returns: why the last roll or build of this request failed, NULL
     * when it did not. Kept here rather than read from the library's per-thread buffer so
     * that a php-fpm worker's next request does not see the previous request's failure. */
    zend_string *error;
ZEND_END_MODULE_GLOBALS(ketama)

ZEND_DECLARE_MODULE_GLOBALS(ketama)
#define KETAMA_G(v) ZEND_MODULE_GLOBALS_ACCESSOR(ketama, v)

/* A Ketama\Continuum. */
typedef struct {
    /* The library's continuum; NULL once ketama_destroy() has freed it. */
    ketama_continuum cont;
    /* Whether a constructor or fromFile() built it: a second constructor call is an error. */
    bool built;
    /* ketama_server_count(cont), the bound of the indices get_server returns. */
    int servers;
    /* The address of each server as a PHP string, made on first use and then shared by every
     * lookup that returns it (a lookup then allocates nothing). */
    zend_string **addrs;
    /* The flavor's name as the continuum was built with it; NULL for libketama's. */
    zend_string *flavor;
    zend_object std;
} ketama_object;

static zend_class_entry *continuum_ce;
static zend_class_entry *exception_ce;
static zend_object_handlers continuum_handlers;
/* The keys of the ['point' => ..., 'ip' => ..., 'server' => ...] arrays, interned once for
 * all requests. */
static zend_string *key_point;
static zend_string *key_ip;
static zend_string *key_server;
/* And those of serverList()'s arrays. */
static zend_string *key_address;
static zend_string *key_weight;
static zend_string *key_points;

static inline ketama_object *ketama_from_obj(zend_object *obj)
{
    return (ketama_object *)((char *)obj - XtOffsetOf(ketama_object, std));
}

static zend_object *continuum_create_object(zend_class_entry *ce)
{
    ketama_object *o = zend_object_alloc(sizeof(ketama_object), ce);
    memset(o, 0, XtOffsetOf(ketama_object, std));
    zend_object_std_init(&o->std, ce);
    object_properties_init(&o->std, ce);
    o->std.handlers = &continuum_handlers;
    return &o->std;
}

/* Frees the library's continuum and the address strings; the object stays, destroyed. */
static void continuum_release(ketama_object *o)
{
    if (o->addrs) {
        for (int i = 0; i < o->servers; i++) {
            if (o->addrs[i]) {
                zend_string_release(o->addrs[i]);
            }
        }
        efree(o->addrs);
        o->addrs = NULL;
    }
    if (o->cont) {
        ketama_free(o->cont);
        o->cont = NULL;
    }
}

static void continuum_free_object(zend_object *obj)
{
    ketama_object *o = ketama_from_obj(obj);
    continuum_release(o);
    if (o->flavor) {
        zend_string_release(o->flavor);
    }
    zend_object_std_dtor(obj);
}

/* The object's state for a lookup, or NULL with an Error thrown when there is no continuum. */
static ketama_object *continuum_live(zend_object *obj)
{
    ketama_object *o = ketama_from_obj(obj);
    if (UNEXPECTED(o->cont == NULL)) {
        zend_throw_error(NULL, o->built ? "Ketama\\Continuum has been destroyed"
                                        : "Ketama\\Continuum is not initialized");
        return NULL;
    }
    return o;
}

/* Declares `o`, the state of the continuum object `obj`, or returns from the PHP function
 * with the Error continuum_live threw. */
#define FETCH_LIVE(o, obj)                      \
    ketama_object *o = continuum_live(obj);     \
    if (!o) {                                   \
        RETURN_THROWS();                        \
    }

/* Records what ketama_error() returns: `message`, or nothing after a success (NULL). */
static void remember_error(const char *message)
{
    if (KETAMA_G(error)) {
        zend_string_release(KETAMA_G(error));
        KETAMA_G(error) = NULL;
    }
    if (message) {
        KETAMA_G(error) = zend_string_init(message, strlen(message), 0);
    }
}

/* A refusal: remembered for ketama_error() and thrown as Ketama\Exception. */
void ketama_throw_refusal(const char *message)
{
    remember_error(message);
    zend_throw_exception(exception_ce, message, 0);
}

/* No server for a lookup: only an empty continuum gives that, and rolls and builds that
 * succeed never make one; kept so that a library that did would raise, not crash. */
static void throw_no_server(void)
{
    zend_throw_exception(exception_ce, "Ketama\\Continuum has no points", 0);
}

/* Makes `o` own `cont`, built as `flavor` (NULL: libketama). */
static void continuum_adopt(ketama_object *o, ketama_continuum cont, zend_string *flavor)
{
    o->cont = cont;
    o->built = true;
    o->servers = ketama_server_count(cont);
    o->flavor = flavor ? zend_string_copy(flavor) : NULL;
    remember_error(NULL);
}

/* At most this many bytes of an address or a name go into an error message. */
#define ADDR_IN_MESSAGE 64

/* Whether the library builds rings of flavor `name`: one of the names ketama_flavor_name
 * lists, or an alias of one ("php-memcached", ...), which only a build tells (the C API lists
 * no aliases): a ring of one server is then built and freed. */
static bool flavor_known(const char *name)
{
    const char *known;
    for (unsigned int i = 0; (known = ketama_flavor_name(i)) != NULL; i++) {
        if (strcmp(known, name) == 0) {
            return true;
        }
    }
    ketama_server probe = {"probe:11211", 1};
    ketama_continuum cont = create_ketama_flavor(&probe, 1, name);
    ketama_free(cont);
    return cont != NULL;
}

/* Whether `flavor` (argument `arg`) names a flavor; if not, a ValueError listing them. */
static bool check_flavor(uint32_t arg, zend_string *flavor)
{
    if (flavor_known(ZSTR_VAL(flavor))) {
        return true;
    }
    smart_str names = {0};
    const char *name;
    for (unsigned int i = 0; (name = ketama_flavor_name(i)) != NULL; i++) {
        if (i > 0) {
            smart_str_appends(&names, ", ");
        }
        smart_str_appends(&names, name);
    }
    smart_str_0(&names);
    zend_argument_value_error(arg, "must be a flavor (%s; Ketama\\flavors() names their "
                                   "clients), \"%.*s%s\" given",
                              ZSTR_VAL(names.s), (int)MIN(ZSTR_LEN(flavor), ADDR_IN_MESSAGE),
                              ZSTR_VAL(flavor), ZSTR_LEN(flavor) > ADDR_IN_MESSAGE ? "..." : "");
    smart_str_free(&names);
    return false;
}

/* The address of server `index` as a shared PHP string, or NULL with an exception thrown. */
static zend_string *server_address(ketama_object *o, int index)
{
    if (UNEXPECTED(index < 0 || index >= o->servers)) {
        throw_no_server();
        return NULL;
    }
    if (!o->addrs) {
        o->addrs = ecalloc(o->servers, sizeof(zend_string *));
    }
    if (!o->addrs[index]) {
        ketama_server_info info;
        if (ketama_server_at(o->cont, index, &info) != 0) {
            zend_throw_exception(exception_ce, ketama_error(), 0);
            return NULL;
        }
        o->addrs[index] = zend_string_init(info.addr, strlen(info.addr), 0);
    }
    return o->addrs[index];
}

/* ['point' => int, 'ip' => string] of one point, the ip as mcs holds it: its first 22 bytes,
 * up to a NUL; with `server`, also 'server' => the whole address of the point's server. */
static void point_array(zval *out, const mcs *m, zend_string *server)
{
    zval v;
    array_init_size(out, server ? 3 : 2);
    ZVAL_LONG(&v, (zend_long)m->point);
    zend_hash_add_new(Z_ARRVAL_P(out), key_point, &v);
    ZVAL_STRINGL(&v, m->ip, strnlen(m->ip, sizeof(m->ip)));
    zend_hash_add_new(Z_ARRVAL_P(out), key_ip, &v);
    if (server) {
        ZVAL_STR_COPY(&v, server);
        zend_hash_add_new(Z_ARRVAL_P(out), key_server, &v);
    }
}

/* Rolls the server file `path` as `flavor` (NULL: libketama) into a new Ketama\Continuum in
 * `return_value`, or throws. */
static void roll_into(zval *return_value, zend_string *path, zend_string *flavor)
{
    char resolved[MAXPATHLEN];
    const char *file = ZSTR_VAL(path);

    if (ZSTR_LEN(path) == 0) {
        zend_argument_value_error(1, "cannot be empty");
        return;
    }
    /* A relative path is PHP's: under ZTS or php-fpm the process's working directory is not
     * the script's, so it is resolved as PHP's file functions resolve it. */
    if (!IS_ABSOLUTE_PATH(file, ZSTR_LEN(path))) {
        if (!expand_filepath(file, resolved)) {
            ketama_throw_refusal("cannot resolve the server file's path");
            return;
        }
        file = resolved;
    }
    /* The library reads the file itself: open_basedir is checked here, as fopen would. */
    if (php_check_open_basedir_ex(file, 0) != 0) {
        char *message;
        zend_spprintf(&message, 0,
                      "open_basedir restriction in effect: %s is not within the allowed path(s)",
                      file);
        ketama_throw_refusal(message);
        efree(message);
        return;
    }
    if (flavor && !check_flavor(2, flavor)) {
        return;
    }
    /* The object first: its allocation may bail out (memory_limit), and then no rolled
     * continuum may be left without an owner. */
    object_init_ex(return_value, continuum_ce);
    /* A roll that fails where the file cannot be stat'ed leaves `cont` as it was (as the
     * original did), other failures leave an empty continuum: NULL first, smoked either way. */
    ketama_continuum cont = NULL;
    if (!ketama_roll_flavor(&cont, (char *)file, flavor ? ZSTR_VAL(flavor) : NULL)) {
        ketama_throw_refusal(ketama_error());
        ketama_smoke(cont);
        zval_ptr_dtor(return_value);
        ZVAL_NULL(return_value);
        return;
    }
    continuum_adopt(ketama_from_obj(Z_OBJ_P(return_value)), cont, flavor);
}

bool ketama_integer(zval *v, zend_long *out)
{
    ZVAL_DEREF(v);
    if (Z_TYPE_P(v) == IS_LONG) {
        *out = Z_LVAL_P(v);
        return true;
    }
    /* Floats and numbers past PHP_INT_MAX do not pass. */
    return Z_TYPE_P(v) == IS_STRING &&
           is_numeric_string(Z_STRVAL_P(v), Z_STRLEN_P(v), out, NULL, false) == IS_LONG;
}

/* Reads one entry of the constructor's array into `out` (which then points into the array),
 * or throws and returns false. `key` is the entry's string key, NULL for an integer key. */
static bool read_server(zend_string *key, zval *entry, ketama_server *out)
{
    zend_string *addr;
    zval *weight;

    ZVAL_DEREF(entry);
    if (key) {
        addr = key;
        weight = entry;
    } else {
        if (Z_TYPE_P(entry) != IS_ARRAY) {
            zend_argument_type_error(
                1, "must contain address => weight entries or [address, weight] pairs, %s given",
                zend_zval_type_name(entry));
            return false;
        }
        HashTable *pair = Z_ARRVAL_P(entry);
        zval *a = zend_hash_index_find(pair, 0);
        weight = zend_hash_index_find(pair, 1);
        if (zend_hash_num_elements(pair) != 2 || !a || !weight) {
            zend_argument_value_error(1, "must contain [address, weight] pairs of two elements");
            return false;
        }
        ZVAL_DEREF(a);
        if (Z_TYPE_P(a) != IS_STRING) {
            zend_argument_type_error(1, "must contain addresses of type string, %s given",
                                     zend_zval_type_name(a));
            return false;
        }
        addr = Z_STR_P(a);
    }
    if (ZSTR_LEN(addr) == 0) {
        zend_argument_value_error(1, "must not contain an empty address");
        return false;
    }
    /* The library takes C strings: a NUL would cut the address silently. */
    if (memchr(ZSTR_VAL(addr), '\0', ZSTR_LEN(addr))) {
        zend_argument_value_error(1, "must not contain addresses with null bytes");
        return false;
    }
    int shown = (int)MIN(ZSTR_LEN(addr), ADDR_IN_MESSAGE);
    const char *more = ZSTR_LEN(addr) > ADDR_IN_MESSAGE ? "..." : "";
    zend_long w;
    ZVAL_DEREF(weight);
    if (!ketama_integer(weight, &w)) {
        zend_argument_type_error(1, "must contain weights of type int, %s given for \"%.*s%s\"",
                                 zend_zval_type_name(weight), shown, ZSTR_VAL(addr), more);
        return false;
    }
    if (w < 1) {
        zend_argument_value_error(1,
                                  "must contain weights greater than 0, " ZEND_LONG_FMT
                                  " given for \"%.*s%s\"",
                                  w, shown, ZSTR_VAL(addr), more);
        return false;
    }
    out->addr = ZSTR_VAL(addr);
    out->weight = (unsigned long)w;
    return true;
}

PHP_METHOD(Ketama_Continuum, __construct)
{
    HashTable *servers;
    zend_string *flavor = NULL;

    ZEND_PARSE_PARAMETERS_START(1, 2)
        Z_PARAM_ARRAY_HT(servers)
        Z_PARAM_OPTIONAL
        Z_PARAM_PATH_STR(flavor)
    ZEND_PARSE_PARAMETERS_END();

    ketama_object *o = ketama_from_obj(Z_OBJ_P(ZEND_THIS));
    if (o->built) {
        zend_throw_error(NULL, "Cannot call constructor twice");
        RETURN_THROWS();
    }
    uint32_t n = zend_hash_num_elements(servers);
    if (n == 0) {
        zend_argument_value_error(1, "must not be empty");
        RETURN_THROWS();
    }
    ketama_server *list = safe_emalloc(n, sizeof(ketama_server), 0);
    uint32_t i = 0;
    zend_ulong index;
    zend_string *key;
    zval *entry;
    ZEND_HASH_FOREACH_KEY_VAL(servers, index, key, entry) {
        (void)index;
        if (!read_server(key, entry, &list[i])) {
            efree(list);
            RETURN_THROWS();
        }
        i++;
    } ZEND_HASH_FOREACH_END();
    if (flavor && !check_flavor(2, flavor)) {
        efree(list);
        RETURN_THROWS();
    }

    ketama_continuum cont = create_ketama_flavor(list, n, flavor ? ZSTR_VAL(flavor) : NULL);
    efree(list);
    if (!cont) {
        ketama_throw_refusal(ketama_error());
        RETURN_THROWS();
    }
    continuum_adopt(o, cont, flavor);
}

PHP_METHOD(Ketama_Continuum, fromFile)
{
    zend_string *path;
    zend_string *flavor = NULL;

    ZEND_PARSE_PARAMETERS_START(1, 2)
        Z_PARAM_PATH_STR(path)
        Z_PARAM_OPTIONAL
        Z_PARAM_PATH_STR(flavor)
    ZEND_PARSE_PARAMETERS_END();

    roll_into(return_value, path, flavor);
}

PHP_METHOD(Ketama_Continuum, fromMemcached)
{
    zval *memcached;
    HashTable *weights = NULL;

    ZEND_PARSE_PARAMETERS_START(1, 2)
        Z_PARAM_ZVAL(memcached)
        Z_PARAM_OPTIONAL
        Z_PARAM_ARRAY_HT(weights)
    ZEND_PARSE_PARAMETERS_END();

    ketama_memcached_ring ring;
    if (!ketama_memcached_read(memcached, weights, &ring)) {
        ketama_memcached_free(&ring);
        RETURN_THROWS();
    }
    /* The object first, as in roll_into. */
    object_init_ex(return_value, continuum_ce);
    ketama_continuum cont = create_ketama_flavor(ring.servers, ring.count, ring.flavor);
    if (!cont) {
        ketama_throw_refusal(ketama_error());
    } else if (ketama_memcached_check(memcached, &ring, cont)) {
        zend_string *flavor = zend_string_init(ring.flavor, strlen(ring.flavor), 0);
        continuum_adopt(ketama_from_obj(Z_OBJ_P(return_value)), cont, flavor);
        zend_string_release(flavor);
        cont = NULL;
    }
    ketama_free(cont);
    ketama_memcached_free(&ring);
    if (EG(exception)) {
        zval_ptr_dtor(return_value);
        ZVAL_NULL(return_value);
    }
}

PHP_METHOD(Ketama_Continuum, server)
{
    zend_string *key;

    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_STR(key)
    ZEND_PARSE_PARAMETERS_END();

    FETCH_LIVE(o, Z_OBJ_P(ZEND_THIS));
    zend_string *addr = server_address(o, get_server(o->cont, ZSTR_VAL(key), ZSTR_LEN(key)));
    if (!addr) {
        RETURN_THROWS();
    }
    RETURN_STR_COPY(addr);
}

PHP_METHOD(Ketama_Continuum, index)
{
    zend_string *key;

    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_STR(key)
    ZEND_PARSE_PARAMETERS_END();

    FETCH_LIVE(o, Z_OBJ_P(ZEND_THIS));
    int index = get_server(o->cont, ZSTR_VAL(key), ZSTR_LEN(key));
    if (index < 0) {
        throw_no_server();
        RETURN_THROWS();
    }
    RETURN_LONG(index);
}

/* Bytes for one integer key in decimal, with the NUL zend_print_long_to_buf writes. */
#define LONG_SLOT (MAX_LENGTH_OF_LONG + 1)

PHP_METHOD(Ketama_Continuum, servers)
{
    HashTable *keys;

    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_ARRAY_HT(keys)
    ZEND_PARSE_PARAMETERS_END();

    FETCH_LIVE(o, Z_OBJ_P(ZEND_THIS));
    uint32_t n = zend_hash_num_elements(keys);
    if (n == 0) {
        RETURN_EMPTY_ARRAY();
    }
    const char **ptrs = safe_emalloc(n, sizeof(char *), 0);
    size_t *lens = safe_emalloc(n, sizeof(size_t), 0);
    int *out = safe_emalloc(n, sizeof(int), 0);
    char *digits = NULL; /* integer keys in decimal, LONG_SLOT bytes each, made on demand */
    zval result;
    ZVAL_UNDEF(&result);

    uint32_t i = 0;
    zval *entry;
    ZEND_HASH_FOREACH_VAL(keys, entry) {
        ZVAL_DEREF(entry);
        if (Z_TYPE_P(entry) == IS_STRING) {
            ptrs[i] = Z_STRVAL_P(entry);
            lens[i] = Z_STRLEN_P(entry);
        } else if (Z_TYPE_P(entry) == IS_LONG) {
            /* Numeric string keys of PHP arrays turn into ints (array_keys() gives them):
             * an int is looked up as its decimal string, as server() would take it. */
            if (!digits) {
                digits = safe_emalloc(n, LONG_SLOT, 0);
            }
            char *end = digits + (size_t)i * LONG_SLOT + MAX_LENGTH_OF_LONG;
            char *start = zend_print_long_to_buf(end, Z_LVAL_P(entry));
            ptrs[i] = start;
            lens[i] = (size_t)(end - start);
        } else {
            zend_argument_type_error(1, "must contain only strings and ints, %s given",
                                     zend_zval_type_name(entry));
            goto done;
        }
        i++;
    } ZEND_HASH_FOREACH_END();

    if (get_servers(o->cont, ptrs, lens, n, out) != 0) {
        zend_throw_exception(exception_ce, ketama_error(), 0);
        goto done;
    }
    /* The result is built aside and handed over only when complete: a lookup that throws
     * leaves no half-made array behind. */
    array_init_size(&result, n);
    i = 0;
    zend_ulong index;
    zend_string *key;
    ZEND_HASH_FOREACH_KEY(keys, index, key) {
        zend_string *addr = server_address(o, out[i++]);
        if (!addr) {
            zval_ptr_dtor(&result);
            ZVAL_UNDEF(&result);
            goto done;
        }
        zval v;
        ZVAL_STR_COPY(&v, addr);
        if (key) {
            zend_hash_add_new(Z_ARRVAL(result), key, &v);
        } else {
            zend_hash_index_add_new(Z_ARRVAL(result), index, &v);
        }
    } ZEND_HASH_FOREACH_END();

done:
    efree(ptrs);
    efree(lens);
    efree(out);
    if (digits) {
        efree(digits);
    }
    if (Z_TYPE(result) == IS_ARRAY) {
        RETURN_COPY_VALUE(&result);
    }
}

PHP_METHOD(Ketama_Continuum, points)
{
    ZEND_PARSE_PARAMETERS_NONE();

    FETCH_LIVE(o, Z_OBJ_P(ZEND_THIS));
    const mcs *points = o->cont->array;
    uint32_t n = points && o->cont->numpoints > 0 ? (uint32_t)o->cont->numpoints : 0;
    if (n == 0) {
        RETURN_EMPTY_ARRAY();
    }
    /* The result is built aside and handed over only when complete, as in servers(). */
    zval result;
    array_init_size(&result, n);
    zend_hash_real_init_packed(Z_ARRVAL(result));
    for (uint32_t i = 0; i < n; i++) {
        /* mcs.ip names the server by 22 bytes only: the library says which server it is. */
        zend_string *server = server_address(o, ketama_point_server(o->cont, (int)i));
        if (!server) {
            zval_ptr_dtor(&result);
            RETURN_THROWS();
        }
        zval point;
        point_array(&point, &points[i], server);
        zend_hash_next_index_insert_new(Z_ARRVAL(result), &point);
    }
    RETURN_COPY_VALUE(&result);
}

PHP_METHOD(Ketama_Continuum, count)
{
    ZEND_PARSE_PARAMETERS_NONE();

    FETCH_LIVE(o, Z_OBJ_P(ZEND_THIS));
    RETURN_LONG(o->servers);
}

PHP_METHOD(Ketama_Continuum, flavor)
{
    ZEND_PARSE_PARAMETERS_NONE();

    FETCH_LIVE(o, Z_OBJ_P(ZEND_THIS));
    if (o->flavor) {
        RETURN_STR_COPY(o->flavor);
    }
    RETURN_STRING("libketama");
}

PHP_METHOD(Ketama_Continuum, serverList)
{
    ZEND_PARSE_PARAMETERS_NONE();

    FETCH_LIVE(o, Z_OBJ_P(ZEND_THIS));
    /* Built aside and handed over only when complete, as in servers(). */
    zval result;
    array_init_size(&result, (uint32_t)o->servers);
    for (int i = 0; i < o->servers; i++) {
        ketama_server_info info;
        zend_string *addr = server_address(o, i);
        if (!addr || ketama_server_at(o->cont, i, &info) != 0) {
            if (!EG(exception)) {
                zend_throw_exception(exception_ce, ketama_error(), 0);
            }
            zval_ptr_dtor(&result);
            RETURN_THROWS();
        }
        zval server, v;
        array_init_size(&server, 3);
        ZVAL_STR_COPY(&v, addr);
        zend_hash_add_new(Z_ARRVAL(server), key_address, &v);
        /* A file's negative weight, which libketama reads as a huge unsigned one, comes back
         * negative as the file wrote it. */
        ZVAL_LONG(&v, (zend_long)info.weight);
        zend_hash_add_new(Z_ARRVAL(server), key_weight, &v);
        ZVAL_LONG(&v, (zend_long)info.points);
        zend_hash_add_new(Z_ARRVAL(server), key_points, &v);
        zend_hash_next_index_insert_new(Z_ARRVAL(result), &server);
    }
    RETURN_COPY_VALUE(&result);
}

PHP_FUNCTION(Ketama_flavors)
{
    ZEND_PARSE_PARAMETERS_NONE();

    array_init(return_value);
    const char *name;
    for (unsigned int i = 0; (name = ketama_flavor_name(i)) != NULL; i++) {
        add_assoc_string(return_value, name, ketama_flavor_clients(i));
    }
}

/* php_ketama's API. */

PHP_FUNCTION(ketama_roll)
{
    zend_string *file;

    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_PATH_STR(file)
    ZEND_PARSE_PARAMETERS_END();

    roll_into(return_value, file, NULL);
}

PHP_FUNCTION(ketama_get_server)
{
    zend_string *key;
    zval *zcont;

    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_STR(key)
        Z_PARAM_OBJECT_OF_CLASS(zcont, continuum_ce)
    ZEND_PARSE_PARAMETERS_END();

    FETCH_LIVE(o, Z_OBJ_P(zcont));
    /* The C function's own hashing: the key as a C string, up to its first NUL. */
    mcs *m = ketama_get_server(ZSTR_VAL(key), o->cont);
    if (!m) {
        throw_no_server();
        RETURN_THROWS();
    }
    point_array(return_value, m, NULL);
}

/* Output goes through PHP (ob_start captures it) in pieces of about this many bytes. */
#define PRINT_CHUNK 8192

PHP_FUNCTION(ketama_print_continuum)
{
    zval *zcont;

    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_OBJECT_OF_CLASS(zcont, continuum_ce)
    ZEND_PARSE_PARAMETERS_END();

    FETCH_LIVE(o, Z_OBJ_P(zcont));
    /* The text of the C ketama_print_continuum, which writes to C's stdout, out of PHP's
     * reach: made here from the same array. */
    const mcs *points = o->cont->array;
    int n = o->cont->numpoints;
    php_printf("Numpoints in continuum: %d\n", n);
    if (!points || n <= 0) {
        php_printf("Continuum empty\n");
        return;
    }
    smart_str buf = {0};
    for (int i = 0; i < n; i++) {
        smart_str_appendl(&buf, points[i].ip, strnlen(points[i].ip, sizeof(points[i].ip)));
        smart_str_appendl(&buf, " (", 2);
        smart_str_append_unsigned(&buf, points[i].point);
        smart_str_appendl(&buf, ")\n", 2);
        if (ZSTR_LEN(buf.s) >= PRINT_CHUNK) {
            PHPWRITE(ZSTR_VAL(buf.s), ZSTR_LEN(buf.s));
            ZSTR_LEN(buf.s) = 0;
        }
    }
    PHPWRITE(ZSTR_VAL(buf.s), ZSTR_LEN(buf.s));
    smart_str_free(&buf);
}

PHP_FUNCTION(ketama_destroy)
{
    zval *zcont;

    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_OBJECT_OF_CLASS(zcont, continuum_ce)
    ZEND_PARSE_PARAMETERS_END();

    FETCH_LIVE(o, Z_OBJ_P(zcont));
    continuum_release(o);
}

PHP_FUNCTION(ketama_error)
{
    ZEND_PARSE_PARAMETERS_NONE();

    if (KETAMA_G(error)) {
        RETURN_STR_COPY(KETAMA_G(error));
    }
    RETURN_EMPTY_STRING();
}

static PHP_GINIT_FUNCTION(ketama)
{
#if defined(COMPILE_DL_KETAMA) && defined(ZTS)
    ZEND_TSRMLS_CACHE_UPDATE();
#endif
    ketama_globals->error = NULL;
}

PHP_MINIT_FUNCTION(ketama)
{
    continuum_ce = register_class_Ketama_Continuum(zend_ce_countable);
    continuum_ce->create_object = continuum_create_object;

    memcpy(&continuum_handlers, zend_get_std_object_handlers(), sizeof(zend_object_handlers));
    continuum_handlers.offset = XtOffsetOf(ketama_object, std);
    continuum_handlers.free_obj = continuum_free_object;
    /* Immutable and cheap to share: a copy would add nothing, so there is none. */
    continuum_handlers.clone_obj = NULL;
    /* Two continua have no properties to compare: == must not call them equal. */
    continuum_handlers.compare = zend_objects_not_comparable;

    exception_ce = register_class_Ketama_Exception(zend_ce_exception);

    key_point = zend_string_init_interned("point", sizeof("point") - 1, 1);
    key_ip = zend_string_init_interned("ip", sizeof("ip") - 1, 1);
    key_server = zend_string_init_interned("server", sizeof("server") - 1, 1);
    key_address = zend_string_init_interned("address", sizeof("address") - 1, 1);
    key_weight = zend_string_init_interned("weight", sizeof("weight") - 1, 1);
    key_points = zend_string_init_interned("points", sizeof("points") - 1, 1);
    return SUCCESS;
}

PHP_RINIT_FUNCTION(ketama)
{
#if defined(COMPILE_DL_KETAMA) && defined(ZTS)
    ZEND_TSRMLS_CACHE_UPDATE();
#endif
    KETAMA_G(error) = NULL;
    return SUCCESS;
}

PHP_RSHUTDOWN_FUNCTION(ketama)
{
    remember_error(NULL);
    return SUCCESS;
}

PHP_MINFO_FUNCTION(ketama)
{
    php_info_print_table_start();
    php_info_print_table_row(2, "ketama support", "enabled");
    php_info_print_table_row(2, "version (that of the libketama it was built with)",
                             PHP_KETAMA_VERSION);
    php_info_print_table_end();
}

zend_module_entry ketama_module_entry = {
    STANDARD_MODULE_HEADER,
    "ketama",
    ext_functions,
    PHP_MINIT(ketama),
    NULL,
    PHP_RINIT(ketama),
    PHP_RSHUTDOWN(ketama),
    PHP_MINFO(ketama),
    PHP_KETAMA_VERSION,
    PHP_MODULE_GLOBALS(ketama),
    PHP_GINIT(ketama),
    NULL,
    NULL,
    STANDARD_MODULE_PROPERTIES_EX,
};

#ifdef COMPILE_DL_KETAMA
#ifdef ZTS
ZEND_TSRMLS_CACHE_DEFINE()
#endif
ZEND_GET_MODULE(ketama)
#endif
