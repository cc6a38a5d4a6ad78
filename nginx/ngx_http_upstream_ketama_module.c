/*
 * ngx_http_upstream_ketama_module: nginx looks for a key on the memcached server that the
 * application's client stored it on, by asking libketama itself.
 *
 *     upstream memcached_pool {
 *         ketama $memcached_key;                  # or: ketama KEY file=/etc/memcached.servers;
 *         server 10.0.1.1:11211 weight=600;
 *         server 10.0.1.2:11211 weight=300;
 *     }
 *
 * At configuration time the block's servers become a continuum through create_ketama_flavor,
 * each hashed by its address as written and its weight (without flavor=, the ring a
 * libketama server file with the same lines gives), or, with file=, through
 * ketama_roll_flavor of that file. `flavor=NAME` makes it the ring another client builds
 * from the same servers (flavor=libmemcached: php-memcached with OPT_LIBKETAMA_COMPATIBLE;
 * twemproxy, dalli, ...): the library hashes each address as that client names its server,
 * so the server lines are written as the application configures its client. The continuum
 * belongs to the configuration: a pool cleanup frees it with the cycle, so a reload frees
 * the old cycle's continua.
 *
 * Each request's key goes through get_server, escaped as memcached_pass sends it to
 * memcached (space, % and control characters as %XX), since that is the key the application
 * stored and hashed. When that server is down (`down`, or max_fails within fail_timeout) or
 * a try fails (memcached_next_upstream), the module walks the ring from the key's point to
 * the next point of a server not yet tried and not down, as far as the tries allow: the
 * classic consistent-hashing failover, on the flavor's ring. With
 * `memcached_next_upstream off` it never walks: a key is looked for on its own server or
 * nowhere, exactly where the application put it.
 *
 * The key hash, the ring and each point's server (ketama_point_server) are the library's;
 * what this file adds is the walk over the ring's points and the mapping of servers to
 * nginx's peers.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ketama.h>


typedef struct {
    ngx_http_complex_value_t         key;
    /* file=, as a full NUL-terminated path; empty when the servers are the block's lines */
    ngx_str_t                        file;
    /* flavor=, NUL-terminated; NULL for libketama's own ring */
    u_char                          *flavor;

    /* where the directive is, for the errors found once the block is complete */
    u_char                          *conf_file;
    ngx_uint_t                       line;
    ngx_http_upstream_srv_conf_t    *upstream;

    ketama_continuum                 continuum;
    /* the server (index in the continuum) of each point of continuum->array */
    uint32_t                        *owner;
    ngx_uint_t                       nservers;
    /* a server's place in the peer list, for the peer itself and the tried bitmap */
    ngx_uint_t                      *ordinal;

    /*
     * The peers by place, taken from `peers`. A shared zone copies the peer list after the
     * configuration is read, so ngx_http_upstream_ketama_init_module takes them again.
     */
    ngx_http_upstream_rr_peers_t    *peers;
    ngx_http_upstream_rr_peer_t    **peer;

    unsigned                         initialized:1;
} ngx_http_upstream_ketama_srv_conf_t;


typedef struct {
    /* ngx_http_upstream_ketama_srv_conf_t *: every upstream with a ketama directive */
    ngx_array_t                      upstreams;
} ngx_http_upstream_ketama_main_conf_t;


typedef struct {
    /* the round robin data must be first: its free and session functions take it */
    ngx_http_upstream_rr_peer_data_t      rrp;
    ngx_http_upstream_ketama_srv_conf_t  *conf;
    ngx_str_t                             key;
    ngx_pool_t                           *pool;
    /* get_server's answer for the key */
    ngx_int_t                             server;
    /* the walk: the point it stands on and how many points it has passed */
    ngx_uint_t                            point;
    ngx_uint_t                            steps;
    unsigned                              first_done:1;
    unsigned                              walking:1;
    /* memcached_next_upstream off (or its kind): never look for a key elsewhere */
    unsigned                              strict:1;
} ngx_http_upstream_ketama_peer_data_t;


static ngx_int_t ngx_http_upstream_init_ketama(ngx_conf_t *cf,
    ngx_http_upstream_srv_conf_t *us);
static ngx_int_t ngx_http_upstream_init_ketama_peer(ngx_http_request_t *r,
    ngx_http_upstream_srv_conf_t *us);
static ngx_int_t ngx_http_upstream_get_ketama_peer(ngx_peer_connection_t *pc,
    void *data);

static void *ngx_http_upstream_ketama_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_upstream_ketama_create_conf(ngx_conf_t *cf);
static ngx_int_t ngx_http_upstream_ketama_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_upstream_ketama_init_module(ngx_cycle_t *cycle);
static char *ngx_http_upstream_ketama(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


static ngx_command_t  ngx_http_upstream_ketama_commands[] = {

    { ngx_string("ketama"),
      NGX_HTTP_UPS_CONF|NGX_CONF_1MORE,
      ngx_http_upstream_ketama,
      NGX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_upstream_ketama_module_ctx = {
    NULL,                                        /* preconfiguration */
    ngx_http_upstream_ketama_postconfiguration,  /* postconfiguration */

    ngx_http_upstream_ketama_create_main_conf,   /* create main configuration */
    NULL,                                        /* init main configuration */

    ngx_http_upstream_ketama_create_conf,        /* create server configuration */
    NULL,                                        /* merge server configuration */

    NULL,                                        /* create location configuration */
    NULL                                         /* merge location configuration */
};


ngx_module_t  ngx_http_upstream_ketama_module = {
    NGX_MODULE_V1,
    &ngx_http_upstream_ketama_module_ctx,        /* module context */
    ngx_http_upstream_ketama_commands,           /* module directives */
    NGX_HTTP_MODULE,                             /* module type */
    NULL,                                        /* init master */
    ngx_http_upstream_ketama_init_module,        /* init module */
    NULL,                                        /* init process */
    NULL,                                        /* init thread */
    NULL,                                        /* exit thread */
    NULL,                                        /* exit process */
    NULL,                                        /* exit master */
    NGX_MODULE_V1_PADDING
};


static void
ngx_http_upstream_ketama_free(void *data)
{
    ketama_free(data);
}


/*
 * kcf->owner: the server of each point of the ring, exactly as the library knows it (a
 * point's mcs.ip holds only the first 22 bytes of the address, which several servers may
 * share). Asked once here, so that a failover walk, under the peers' lock, reads an array.
 */
static ngx_int_t
ngx_http_upstream_ketama_owners(ngx_conf_t *cf, ngx_http_upstream_ketama_srv_conf_t *kcf)
{
    int         s;
    ngx_uint_t  i, np;

    np = kcf->continuum->numpoints;

    kcf->owner = ngx_palloc(cf->pool, np * sizeof(uint32_t));
    if (kcf->owner == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < np; i++) {
        s = ketama_point_server(kcf->continuum, (int) i);

        if (s < 0) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "ketama: %s in %s:%ui",
                          ketama_error(), kcf->conf_file, kcf->line);
            return NGX_ERROR;
        }

        kcf->owner[i] = (uint32_t) s;
    }

    return NGX_OK;
}


/* Byte order, then length. */
static int
ngx_http_upstream_ketama_cmp_str(ngx_str_t *a, ngx_str_t *b)
{
    int  c;

    c = ngx_memcmp(a->data, b->data, ngx_min(a->len, b->len));

    if (c != 0) {
        return c;
    }

    return (a->len > b->len) - (a->len < b->len);
}


/* Server lines by name; lines of one name in their order in the block. */
static int ngx_libc_cdecl
ngx_http_upstream_ketama_cmp_server(const void *one, const void *two)
{
    ngx_http_upstream_server_t  *a = *(ngx_http_upstream_server_t **) one;
    ngx_http_upstream_server_t  *b = *(ngx_http_upstream_server_t **) two;
    int                          c;

    c = ngx_http_upstream_ketama_cmp_str(&a->name, &b->name);

    if (c != 0) {
        return c;
    }

    return (a > b) - (a < b);
}


/*
 * The continuum of the block's server lines: each server's address as written (the text
 * of the server directive, not its resolved address) and its weight, as the flavor's
 * client builds it.
 */
static ngx_int_t
ngx_http_upstream_ketama_from_servers(ngx_conf_t *cf,
    ngx_http_upstream_ketama_srv_conf_t *kcf, ngx_array_t *lines)
{
    u_char                      *addr;
    ngx_uint_t                   i;
    ketama_server               *servers;
    ngx_http_upstream_server_t  *server;

    server = lines->elts;

    if (lines->nelts > UINT_MAX) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "ketama: too many servers in %s:%ui",
                      kcf->conf_file, kcf->line);
        return NGX_ERROR;
    }

    servers = ngx_palloc(cf->temp_pool, lines->nelts * sizeof(ketama_server));
    kcf->ordinal = ngx_palloc(cf->pool, lines->nelts * sizeof(ngx_uint_t));
    if (servers == NULL || kcf->ordinal == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < lines->nelts; i++) {
        addr = ngx_pnalloc(cf->temp_pool, server[i].name.len + 1);
        if (addr == NULL) {
            return NGX_ERROR;
        }

        *ngx_cpymem(addr, server[i].name.data, server[i].name.len) = '\0';

        servers[i].addr = (const char *) addr;
        servers[i].weight = server[i].weight;

        /* one address a server and no backup: the i-th line is the i-th peer */
        kcf->ordinal[i] = i;
    }

    kcf->continuum = create_ketama_flavor(servers, (unsigned int) lines->nelts,
                                          (const char *) kcf->flavor);

    if (kcf->continuum == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "ketama: %s in %s:%ui",
                      ketama_error(), kcf->conf_file, kcf->line);
        return NGX_ERROR;
    }

    kcf->nservers = lines->nelts;

    return NGX_OK;
}


/*
 * The continuum of a libketama server file, the one the application reads, its servers
 * hashed as the flavor's client hashes them. Every address
 * in it must be a server line of the block (the peer nginx connects to); a server line the
 * file lacks gets no key, which nginx -t warns about.
 */
static ngx_int_t
ngx_http_upstream_ketama_from_file(ngx_conf_t *cf,
    ngx_http_upstream_ketama_srv_conf_t *kcf, ngx_array_t *lines)
{
    u_char                        *seen;
    ngx_str_t                      addr;
    ngx_int_t                      count;
    ngx_uint_t                     i, lo, hi, mid;
    ketama_continuum               c;
    ketama_server_info             info;
    ngx_http_upstream_server_t    *server, **sorted;

    c = NULL;

    if (!ketama_roll_flavor(&c, (char *) kcf->file.data, (const char *) kcf->flavor)) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "ketama: cannot use server file \"%V\": %s in %s:%ui",
                      &kcf->file, ketama_error(), kcf->conf_file, kcf->line);
        ketama_smoke(c);
        return NGX_ERROR;
    }

    kcf->continuum = c;

    count = ketama_server_count(c);
    if (count <= 0) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "ketama: server file \"%V\" has no server in %s:%ui",
                      &kcf->file, kcf->conf_file, kcf->line);
        return NGX_ERROR;
    }

    kcf->nservers = count;

    server = lines->elts;
    sorted = ngx_palloc(cf->temp_pool, lines->nelts * sizeof(ngx_http_upstream_server_t *));
    seen = ngx_pcalloc(cf->temp_pool, lines->nelts);
    kcf->ordinal = ngx_palloc(cf->pool, kcf->nservers * sizeof(ngx_uint_t));
    if (sorted == NULL || seen == NULL || kcf->ordinal == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < lines->nelts; i++) {
        sorted[i] = &server[i];
    }

    ngx_qsort(sorted, lines->nelts, sizeof(ngx_http_upstream_server_t *),
              ngx_http_upstream_ketama_cmp_server);

    for (i = 0; i < kcf->nservers; i++) {
        (void) ketama_server_at(c, (int) i, &info);

        addr.data = (u_char *) info.addr;
        addr.len = ngx_strlen(info.addr);

        /* the first server line of this name */

        lo = 0;
        hi = lines->nelts;

        while (lo < hi) {
            mid = lo + (hi - lo) / 2;

            if (ngx_http_upstream_ketama_cmp_str(&sorted[mid]->name, &addr) < 0) {
                lo = mid + 1;

            } else {
                hi = mid;
            }
        }

        if (lo == lines->nelts
            || ngx_http_upstream_ketama_cmp_str(&sorted[lo]->name, &addr) != 0)
        {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "ketama: server \"%V\" of \"%V\" is not a server of upstream "
                          "\"%V\" in %s:%ui", &addr, &kcf->file,
                          &kcf->upstream->host, kcf->conf_file, kcf->line);
            return NGX_ERROR;
        }

        kcf->ordinal[i] = sorted[lo] - server;
        seen[kcf->ordinal[i]] = 1;
    }

    for (i = 0; i < lines->nelts; i++) {
        if (!seen[i]) {
            ngx_log_error(NGX_LOG_WARN, cf->log, 0,
                          "ketama: server \"%V\" of upstream \"%V\" is not in \"%V\", "
                          "no key goes to it, in %s:%ui", &server[i].name,
                          &kcf->upstream->host, &kcf->file, kcf->conf_file, kcf->line);
        }
    }

    return NGX_OK;
}


/*
 * Whether a server line leaves its port out. nginx then connects to port 80, while every
 * flavor's client (and the library, hashing the address) takes an address without a port
 * for memcached's 11211: the keys would be looked for where nothing listens.
 */
static ngx_uint_t
ngx_http_upstream_ketama_no_port(ngx_http_upstream_server_t *server)
{
    u_char  *p, *end;

    if (ngx_inet_get_port(server->addrs[0].sockaddr) != 80) {
        return 0;
    }

    end = server->name.data + server->name.len;

    for (p = end; p > server->name.data && p[-1] >= '0' && p[-1] <= '9'; p--) {
        /* the digits at the end */
    }

    return p == end || p == server->name.data || p[-1] != ':';
}


/* kcf->peer: the peers of kcf->peers by their place in the list. */
static void
ngx_http_upstream_ketama_take_peers(ngx_http_upstream_ketama_srv_conf_t *kcf,
    ngx_http_upstream_rr_peers_t *peers)
{
    ngx_uint_t                    i;
    ngx_http_upstream_rr_peer_t  *peer;

    for (peer = peers->peer, i = 0; peer && i < peers->number; peer = peer->next, i++) {
        kcf->peer[i] = peer;
    }

    kcf->peers = (i == peers->number) ? peers : NULL;
}


static ngx_int_t
ngx_http_upstream_init_ketama(ngx_conf_t *cf, ngx_http_upstream_srv_conf_t *us)
{
    ngx_uint_t                            i;
    ngx_pool_cleanup_t                   *cln;
    ngx_http_upstream_server_t           *server;
    ngx_http_upstream_rr_peers_t         *peers;
    ngx_http_upstream_ketama_srv_conf_t  *kcf;

    kcf = ngx_http_conf_upstream_srv_conf(us, ngx_http_upstream_ketama_module);

    /*
     * A server line is one server of the ring and one peer. A name of several addresses
     * would spread one server's keys over several memcached (libketama clients connect to
     * one address a server), so it is refused; backup servers have no place on a ring.
     */

    server = us->servers->elts;

    for (i = 0; i < us->servers->nelts; i++) {
        if (server[i].backup) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "ketama: backup server \"%V\" in upstream \"%V\": a backup "
                          "has no place on the ring, in %s:%ui", &server[i].name,
                          &us->host, kcf->conf_file, kcf->line);
            return NGX_ERROR;
        }

        if (server[i].naddrs != 1) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "ketama: server \"%V\" in upstream \"%V\" resolves to %ui "
                          "addresses; a ketama server is one memcached, write the "
                          "address it should use, in %s:%ui", &server[i].name, &us->host,
                          server[i].naddrs, kcf->conf_file, kcf->line);
            return NGX_ERROR;
        }

        if (kcf->flavor && ngx_http_upstream_ketama_no_port(&server[i])) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "ketama: server \"%V\" in upstream \"%V\" has no port: nginx "
                          "connects to port 80, the flavor's clients to 11211; write "
                          "\"%V:11211\" or the port it has, in %s:%ui", &server[i].name,
                          &us->host, &server[i].name, kcf->conf_file, kcf->line);
            return NGX_ERROR;
        }
    }

    if (ngx_http_upstream_init_round_robin(cf, us) != NGX_OK) {
        return NGX_ERROR;
    }

    us->peer.init = ngx_http_upstream_init_ketama_peer;

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    if (kcf->file.len) {
        if (ngx_http_upstream_ketama_from_file(cf, kcf, us->servers) != NGX_OK) {
            ketama_free(kcf->continuum);
            kcf->continuum = NULL;
            return NGX_ERROR;
        }

    } else if (ngx_http_upstream_ketama_from_servers(cf, kcf, us->servers) != NGX_OK) {
        return NGX_ERROR;
    }

    /* from here on the continuum lives as long as the configuration */
    cln->handler = ngx_http_upstream_ketama_free;
    cln->data = kcf->continuum;

    if (kcf->continuum->numpoints <= 0 || kcf->continuum->array == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "ketama: the ring has no point in %s:%ui",
                      kcf->conf_file, kcf->line);
        return NGX_ERROR;
    }

    if (ngx_http_upstream_ketama_owners(cf, kcf) != NGX_OK) {
        return NGX_ERROR;
    }

    peers = us->peer.data;

    kcf->peer = ngx_palloc(cf->pool, peers->number * sizeof(ngx_http_upstream_rr_peer_t *));
    if (kcf->peer == NULL) {
        return NGX_ERROR;
    }

    ngx_http_upstream_ketama_take_peers(kcf, peers);

    kcf->initialized = 1;

    return NGX_OK;
}


static ngx_int_t
ngx_http_upstream_init_ketama_peer(ngx_http_request_t *r,
    ngx_http_upstream_srv_conf_t *us)
{
    u_char                                *key;
    uintptr_t                              escape;
    ngx_http_upstream_ketama_srv_conf_t   *kcf;
    ngx_http_upstream_ketama_peer_data_t  *kp;

    kcf = ngx_http_conf_upstream_srv_conf(us, ngx_http_upstream_ketama_module);

    kp = ngx_pcalloc(r->pool, sizeof(ngx_http_upstream_ketama_peer_data_t));
    if (kp == NULL) {
        return NGX_ERROR;
    }

    r->upstream->peer.data = &kp->rrp;

    if (ngx_http_upstream_init_round_robin_peer(r, us) != NGX_OK) {
        return NGX_ERROR;
    }

    if (kp->rrp.peers != kcf->peers) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ketama: the peers of upstream \"%V\" changed after configuration",
                      &us->host);
        return NGX_ERROR;
    }

    r->upstream->peer.get = ngx_http_upstream_get_ketama_peer;

    if (ngx_http_complex_value(r, &kcf->key, &kp->key) != NGX_OK) {
        return NGX_ERROR;
    }

    /*
     * memcached_pass asks memcached for the key with space, % and control characters
     * escaped (%20, %25, %00-%1F): that is the key the application stored, and hashed.
     */
    escape = ngx_escape_uri(NULL, kp->key.data, kp->key.len, NGX_ESCAPE_MEMCACHED);

    if (escape) {
        key = ngx_pnalloc(r->pool, kp->key.len + 2 * escape);
        if (key == NULL) {
            return NGX_ERROR;
        }

        ngx_escape_uri(key, kp->key.data, kp->key.len, NGX_ESCAPE_MEMCACHED);

        kp->key.data = key;
        kp->key.len += 2 * escape;
    }

    kp->conf = kcf;
    kp->pool = r->pool;
    /* an empty key may come without a buffer */
    kp->server = get_server(kcf->continuum,
                            kp->key.len ? (const char *) kp->key.data : "", kp->key.len);
    kp->strict = (r->upstream->conf->next_upstream & NGX_HTTP_UPSTREAM_FT_OFF) != 0;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "ketama key:\"%V\" server:%i", &kp->key, kp->server);

    return NGX_OK;
}


/*
 * Whether the peer of server `s` may be tried: not tried yet for this request, not `down`,
 * not failed max_fails times within fail_timeout. Called with the peers locked.
 */
static ngx_http_upstream_rr_peer_t *
ngx_http_upstream_ketama_usable(ngx_http_upstream_ketama_peer_data_t *kp, ngx_uint_t s,
    time_t now)
{
    ngx_uint_t                    ord;
    ngx_http_upstream_rr_peer_t  *peer;

    ord = kp->conf->ordinal[s];
    peer = kp->conf->peer[ord];

    if (kp->rrp.tried[ord / (8 * sizeof(uintptr_t))]
        & ((uintptr_t) 1 << ord % (8 * sizeof(uintptr_t))))
    {
        return NULL;
    }

    if (peer->down) {
        return NULL;
    }

    if (peer->max_fails
        && peer->fails >= peer->max_fails
        && now - peer->checked <= peer->fail_timeout)
    {
        return NULL;
    }

    return peer;
}


/*
 * The point of the ring the key falls on, where a walk starts. The C API looks it up by a
 * NUL-terminated key; the key holds no NUL byte, escaped as %00 like every control character.
 */
static ngx_int_t
ngx_http_upstream_ketama_start_walk(ngx_http_upstream_ketama_peer_data_t *kp)
{
    u_char  *key;
    mcs     *m;

    key = ngx_pnalloc(kp->pool, kp->key.len + 1);
    if (key == NULL) {
        return NGX_ERROR;
    }

    *ngx_cpymem(key, kp->key.data, kp->key.len) = '\0';

    m = ketama_get_server((char *) key, kp->conf->continuum);
    if (m == NULL) {
        return NGX_ERROR;
    }

    kp->point = m - (mcs *) kp->conf->continuum->array;
    kp->walking = 1;

    return NGX_OK;
}


static ngx_int_t
ngx_http_upstream_get_ketama_peer(ngx_peer_connection_t *pc, void *data)
{
    ngx_http_upstream_ketama_peer_data_t  *kp = data;

    time_t                                now;
    ngx_uint_t                            s, ord, np;
    ngx_http_upstream_rr_peer_t          *peer;
    ngx_http_upstream_ketama_srv_conf_t  *kcf;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, pc->log, 0, "get ketama peer, try: %ui", pc->tries);

    kcf = kp->conf;
    np = kcf->continuum->numpoints;
    now = ngx_time();
    peer = NULL;
    s = 0;

    pc->cached = 0;
    pc->connection = NULL;

    ngx_http_upstream_rr_peers_wlock(kp->rrp.peers);

    if (!kp->first_done) {
        kp->first_done = 1;

        if (kp->server >= 0) {
            s = kp->server;
            peer = ngx_http_upstream_ketama_usable(kp, s, now);
        }
    }

    if (peer == NULL && !kp->strict && kp->server >= 0) {

        if (!kp->walking && ngx_http_upstream_ketama_start_walk(kp) != NGX_OK) {
            ngx_http_upstream_rr_peers_unlock(kp->rrp.peers);
            return NGX_ERROR;
        }

        /* the next point of a server not tried and not down, once round the ring at most */

        while (kp->steps < np) {
            kp->steps++;
            kp->point = (kp->point + 1) % np;
            s = kcf->owner[kp->point];

            peer = ngx_http_upstream_ketama_usable(kp, s, now);
            if (peer) {
                break;
            }
        }
    }

    if (peer == NULL) {
        pc->name = kp->rrp.peers->name;
        ngx_http_upstream_rr_peers_unlock(kp->rrp.peers);
        return NGX_BUSY;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, pc->log, 0,
                   "ketama peer:%ui \"%V\" after %ui points", s, &peer->name, kp->steps);

    kp->rrp.current = peer;

    pc->sockaddr = peer->sockaddr;
    pc->socklen = peer->socklen;
    pc->name = &peer->name;

    peer->conns++;

    if (now - peer->checked > peer->fail_timeout) {
        peer->checked = now;
    }

    ngx_http_upstream_rr_peers_unlock(kp->rrp.peers);

    ord = kcf->ordinal[s];
    kp->rrp.tried[ord / (8 * sizeof(uintptr_t))]
        |= (uintptr_t) 1 << ord % (8 * sizeof(uintptr_t));

    return NGX_OK;
}


static void *
ngx_http_upstream_ketama_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_upstream_ketama_main_conf_t  *kmcf;

    kmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_upstream_ketama_main_conf_t));
    if (kmcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&kmcf->upstreams, cf->pool, 4,
                       sizeof(ngx_http_upstream_ketama_srv_conf_t *))
        != NGX_OK)
    {
        return NULL;
    }

    return kmcf;
}


static void *
ngx_http_upstream_ketama_create_conf(ngx_conf_t *cf)
{
    /* zeroed: no key, no file, no continuum */
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_upstream_ketama_srv_conf_t));
}


/*
 * hash, ip_hash, least_conn and random, given after ketama, take the upstream over (with a
 * mere warning); ngx_http_upstream_init_ketama then never runs. Postconfiguration comes
 * after every upstream was initialised, so this is where that is found out.
 */
static ngx_int_t
ngx_http_upstream_ketama_postconfiguration(ngx_conf_t *cf)
{
    ngx_uint_t                             i;
    ngx_http_upstream_ketama_srv_conf_t  **kcfp;
    ngx_http_upstream_ketama_main_conf_t  *kmcf;

    kmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_upstream_ketama_module);
    kcfp = kmcf->upstreams.elts;

    for (i = 0; i < kmcf->upstreams.nelts; i++) {
        if (!kcfp[i]->initialized) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"ketama\" in upstream \"%V\" is overridden by another load "
                          "balancing method given after it in %s:%ui",
                          &kcfp[i]->upstream->host, kcfp[i]->conf_file, kcfp[i]->line);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * After the shared memory zones are set up: an upstream with a `zone` has had its peers
 * copied into the zone, and the peers are taken again from there. Nothing here allocates,
 * so nothing here fails (a failure would end the master process on a reload).
 */
static ngx_int_t
ngx_http_upstream_ketama_init_module(ngx_cycle_t *cycle)
{
    ngx_uint_t                             i;
    ngx_http_upstream_ketama_srv_conf_t  **kcfp;
    ngx_http_upstream_ketama_main_conf_t  *kmcf;

    kmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_upstream_ketama_module);
    if (kmcf == NULL) {
        return NGX_OK;
    }

    kcfp = kmcf->upstreams.elts;

    for (i = 0; i < kmcf->upstreams.nelts; i++) {
        if (kcfp[i]->peers != kcfp[i]->upstream->peer.data) {
            ngx_http_upstream_ketama_take_peers(kcfp[i], kcfp[i]->upstream->peer.data);
        }
    }

    return NGX_OK;
}


/*
 * The name of `flavor=NAME`, NUL-terminated, or NULL after logging why it is refused. The
 * library is asked whether it knows the name (aliases included) by building the flavor's
 * ring of one server, so an unknown flavor is named, with the valid ones, on this line.
 */
static u_char *
ngx_http_upstream_ketama_flavor(ngx_conf_t *cf, ngx_str_t *value)
{
    u_char            *name;
    ngx_str_t          flavor;
    ketama_server      probe;
    ketama_continuum   c;

    flavor.data = value->data + 7;
    flavor.len = value->len - 7;

    if (flavor.len == 0 || ngx_strlchr(flavor.data, flavor.data + flavor.len, '\0')) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"flavor=\" needs a name, such as "
                           "flavor=libmemcached");
        return NULL;
    }

    name = ngx_pnalloc(cf->pool, flavor.len + 1);
    if (name == NULL) {
        return NULL;
    }

    *ngx_cpymem(name, flavor.data, flavor.len) = '\0';

    probe.addr = "127.0.0.1:11211";
    probe.weight = 1;

    c = create_ketama_flavor(&probe, 1, (const char *) name);

    if (c == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid \"%V\": %s", value,
                           ketama_error());
        return NULL;
    }

    ketama_free(c);

    return name;
}


static char *
ngx_http_upstream_ketama(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_upstream_ketama_srv_conf_t  *kcf = conf;

    ngx_str_t                             *value, file;
    ngx_uint_t                             i;
    ngx_http_upstream_server_t            *server;
    ngx_http_upstream_srv_conf_t          *uscf;
    ngx_http_compile_complex_value_t       ccv;
    ngx_http_upstream_ketama_srv_conf_t  **kcfp;
    ngx_http_upstream_ketama_main_conf_t  *kmcf;

    if (kcf->conf_file) {
        return "is duplicate";
    }

    value = cf->args->elts;
    uscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_upstream_module);

    if (uscf->peer.init_upstream) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ketama\" cannot be combined with another load balancing "
                           "method, and \"keepalive\" must come after it");
        return NGX_CONF_ERROR;
    }

    if (value[1].len == 0
        || ngx_strncmp(value[1].data, "file=", 5) == 0
        || ngx_strncmp(value[1].data, "flavor=", 7) == 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ketama\" needs a key first, such as $memcached_key");
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = &kcf->key;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "file=", 5) == 0) {
            if (kcf->file.data) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "duplicate \"file=\"");
                return NGX_CONF_ERROR;
            }

            file.data = value[i].data + 5;
            file.len = value[i].len - 5;

            if (file.len == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"file=\" needs a path");
                return NGX_CONF_ERROR;
            }

            /* relative to the configuration's directory, as include; NUL-terminated */
            if (ngx_conf_full_name(cf->cycle, &file, 1) != NGX_OK) {
                return NGX_CONF_ERROR;
            }

            kcf->file = file;
            continue;
        }

        if (ngx_strncmp(value[i].data, "flavor=", 7) == 0) {
            if (kcf->flavor) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "duplicate \"flavor=\"");
                return NGX_CONF_ERROR;
            }

            kcf->flavor = ngx_http_upstream_ketama_flavor(cf, &value[i]);
            if (kcf->flavor == NULL) {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    /* server lines before the directive were not checked against its flags */

    server = uscf->servers->elts;

    for (i = 0; i < uscf->servers->nelts; i++) {
        if (server[i].backup) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"ketama\" does not support backup servers (\"%V\")",
                               &server[i].name);
            return NGX_CONF_ERROR;
        }

        if (server[i].max_conns) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"ketama\" does not support \"max_conns\" (\"%V\")",
                               &server[i].name);
            return NGX_CONF_ERROR;
        }
    }

    uscf->flags = NGX_HTTP_UPSTREAM_CREATE
                  |NGX_HTTP_UPSTREAM_WEIGHT
                  |NGX_HTTP_UPSTREAM_MAX_FAILS
                  |NGX_HTTP_UPSTREAM_FAIL_TIMEOUT
                  |NGX_HTTP_UPSTREAM_DOWN;

    uscf->peer.init_upstream = ngx_http_upstream_init_ketama;

    kcf->conf_file = cf->conf_file->file.name.data;
    kcf->line = cf->conf_file->line;
    kcf->upstream = uscf;

    kmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_upstream_ketama_module);

    kcfp = ngx_array_push(&kmcf->upstreams);
    if (kcfp == NULL) {
        return NGX_CONF_ERROR;
    }

    *kcfp = kcf;

    return NGX_CONF_OK;
}
