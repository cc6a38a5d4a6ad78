/*
 * What ketama.c and memcached.c share: Ketama\Continuum::fromMemcached reads a php-memcached
 * object (memcached.c) into the servers and the flavor of the ring it places keys on; ketama.c
 * builds that continuum.
 */
#ifndef KETAMA_MEMCACHED_H
#define KETAMA_MEMCACHED_H

#include "php.h"
#include <ketama.h>

/* The ring of a Memcached object, as create_ketama_flavor takes it. */
typedef struct {
    /* `count` servers, their addresses in `addrs` ("host:port", "[v6]:port"). */
    ketama_server *servers;
    zend_string **addrs;
    /* Each server's host and port as getServerByKey names them, to compare its answers. */
    zend_string **hosts;
    zend_long *ports;
    uint32_t count;
    /* The flavor (a static string), and whether its points follow the weights. */
    const char *flavor;
    bool weighted;
} ketama_memcached_ring;

/*
 * Reads into `ring` the servers and options of `memcached` (argument 1), weighted by `weights`
 * (argument 2: addServers()'s [host, port, weight] entries; NULL or empty: weight 1 each).
 * False with an exception thrown: a TypeError or ValueError for the arguments, a
 * Ketama\Exception naming the setting no flavor matches.
 */
bool ketama_memcached_read(zval *memcached, HashTable *weights, ketama_memcached_ring *ring);

/*
 * Whether `cont`, built from `ring`, puts keys where `memcached` does: a sample of keys is
 * asked of both (getServerByKey). False with a Ketama\Exception naming the first key they
 * disagree on: the weights given were not the object's, or a server is ejected at the moment.
 */
bool ketama_memcached_check(zval *memcached, const ketama_memcached_ring *ring,
                            ketama_continuum cont);

void ketama_memcached_free(ketama_memcached_ring *ring);

/* `v` as an int: an int, or a string of one (weights often come from ini files); false for
 * anything else (ketama.c). */
bool ketama_integer(zval *v, zend_long *out);

/* A refusal: remembered for ketama_error() and thrown as Ketama\Exception (ketama.c). */
void ketama_throw_refusal(const char *message);

#endif /* KETAMA_MEMCACHED_H */
