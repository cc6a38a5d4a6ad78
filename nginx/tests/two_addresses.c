/*
 * Preloaded into nginx by nginx/test.sh: the name two-addresses.test resolves to 127.0.0.1
 * and 127.0.0.2, as a round-robin DNS name does (or localhost where it also means ::1), so
 * that the test of names of several addresses does not depend on the machine's resolver.
 * Other names go to the C library's getaddrinfo.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
                              struct addrinfo **);

/* One block for the entry and its address, as glibc allocates them: its freeaddrinfo
 * frees the entry (and the canonical name, NULL here) and nothing else. */
static struct addrinfo *entry(const char *ip, struct addrinfo *next) {
    struct block {
        struct addrinfo ai;
        struct sockaddr_in sin;
    } *b = calloc(1, sizeof *b);
    if (b == NULL) return NULL;
    b->sin.sin_family = AF_INET;
    inet_pton(AF_INET, ip, &b->sin.sin_addr);
    b->ai.ai_family = AF_INET;
    b->ai.ai_socktype = SOCK_STREAM;
    b->ai.ai_protocol = IPPROTO_TCP;
    b->ai.ai_addrlen = sizeof b->sin;
    b->ai.ai_addr = (struct sockaddr *)&b->sin;
    b->ai.ai_next = next;
    return &b->ai;
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res) {
    if (node != NULL && strcmp(node, "two-addresses.test") == 0) {
        struct addrinfo *second = entry("127.0.0.2", NULL);
        *res = second ? entry("127.0.0.1", second) : NULL;
        return *res ? 0 : EAI_MEMORY;
    }
    getaddrinfo_fn real = (getaddrinfo_fn)dlsym(RTLD_NEXT, "getaddrinfo");
    return real(node, service, hints, res);
}
