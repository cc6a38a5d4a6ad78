<?php

/**
 * The ketama extension's functions and classes. ketama_arginfo.h is generated from this file
 * by php-src's build/gen_stub.php (`make php-arginfo`); edit this file, not the header.
 *
 * @generate-class-entries
 */

namespace Ketama {
    /**
     * The ring flavors (other clients' rings) the library builds: name => the clients, with
     * their settings, that build that ring. "libketama" comes first.
     */
    function flavors(): array {}

    /**
     * A continuum: the ring of points that maps keys to servers, built by libketama.
     * Immutable; freed when the last reference goes (or by ketama_destroy()).
     *
     * @strict-properties
     * @not-serializable
     */
    final class Continuum implements \Countable
    {
        /**
         * Builds the continuum of address => weight, or of a list of [address, weight] pairs,
         * as the client that $flavor names builds its ring (Ketama\flavors() lists them).
         */
        public function __construct(array $servers, string $flavor = "libketama") {}

        /** Reads a server file (`address weight` lines) as ketama_roll() does, rolled as $flavor. */
        public static function fromFile(string $path, string $flavor = "libketama"): Continuum {}

        /**
         * The ring a php-memcached object places keys on: its servers and the flavor its options
         * make. php-memcached does not tell its servers' weights: $servers gives them as
         * addServers() took them ([host, port, weight] each); without it every weight is 1.
         */
        public static function fromMemcached(\Memcached $memcached, array $servers = []): Continuum {}

        /** The whole address of the key's server; the key is binary-safe. */
        public function server(string $key): string {}

        /** The index of the key's server in the array given to the constructor (or its server line). */
        public function index(string $key): int {}

        /** The server of each key (a string or an int), under the key's own array key, in one batch call. */
        public function servers(array $keys): array {}

        /** The points in ring order: ['point' => int, 'ip' => string (as mcs holds it), 'server' => string]. */
        public function points(): array {}

        /** The number of servers. */
        public function count(): int {}

        /** The flavor the continuum was built as, by the name it was given ("libketama" by default). */
        public function flavor(): string {}

        /** The servers in order: ['address' => string, 'weight' => int, 'points' => int] each. */
        public function serverList(): array {}
    }

    /**
     * A server file or server list that libketama refuses (the message is the library's), or a
     * Memcached object whose ring no flavor matches (the message says which setting).
     */
    class Exception extends \Exception
    {
    }
}

namespace {
    /** php_ketama's API: the continuum of a server file; throws Ketama\Exception on failure. */
    function ketama_roll(string $file): Ketama\Continuum {}

    /** php_ketama's API: ['point' => int, 'ip' => string] of the key, hashed up to its first NUL as in C. */
    function ketama_get_server(string $key, Ketama\Continuum $continuum): array {}

    /** php_ketama's API: prints the continuum as the C function does, through PHP's output. */
    function ketama_print_continuum(Ketama\Continuum $continuum): void {}

    /** php_ketama's API: frees the continuum now; using it afterwards throws an Error. */
    function ketama_destroy(Ketama\Continuum $continuum): void {}

    /** php_ketama's API: why the last roll (or build) of this request failed; "" if it did not. */
    function ketama_error(): string {}
}
