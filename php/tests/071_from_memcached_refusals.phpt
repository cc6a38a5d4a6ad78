--TEST--
fromMemcached refuses, with the reason, what no flavor matches: modula and the other distributions, other hashes, a hashed prefix, no servers, unix sockets, weights that are not the object's; misuse gives PHP's errors
--EXTENSIONS--
igbinary
msgpack
memcached
--FILE--
<?php
require __DIR__ . '/memcached.inc';

$servers = [['127.0.3.1', 11211, 3], ['127.0.3.2', 11311, 1], ['127.0.3.3', 11211, 2]];

/** A Memcached object with $servers, after `$setup` (run before the servers are added). */
function memcached(array $servers, ?callable $setup = null): Memcached
{
    $m = new Memcached();
    if ($setup) {
        $setup($m);
    }
    $m->addServers($servers);
    return $m;
}

function from(Memcached $m, ...$weights): void
{
    $c = Ketama\Continuum::fromMemcached($m, ...$weights);
    echo $c->flavor(), ': ', implode(' ', array_map(fn ($s) => "{$s['address']}={$s['weight']}",
        $c->serverList())), "\n";
}

echo "-- distributions that are no ring\n";
attempt(fn () => from(memcached($servers), $servers));
attempt(fn () => from(memcached($servers, function ($m) {
    $m->setOption(Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
    $m->setOption(Memcached::OPT_LIBKETAMA_COMPATIBLE, false); // php-memcached: back to modula
}), $servers));
attempt(fn () => from(memcached($servers, fn ($m) => $m->setOption(Memcached::OPT_DISTRIBUTION, 3)), $servers));
attempt(function () use ($servers) {
    $m = memcached($servers);
    $m->setBucket([0, 1, 2, 0], null, 0);
    from($m, $servers);
});

echo "-- hashes no flavor has\n";
// (Debian's libmemcached has no HASH_HSIEH: setOption refuses it.)
foreach (['HASH_CRC', 'HASH_FNV1_64', 'HASH_FNV1A_64', 'HASH_FNV1_32', 'HASH_FNV1A_32', 'HASH_MURMUR'] as $hash) {
    attempt(fn () => from(memcached($servers, function ($m) use ($hash) {
        $m->setOption(Memcached::OPT_HASH, constant("Memcached::$hash"));
        $m->setOption(Memcached::OPT_DISTRIBUTION, Memcached::DISTRIBUTION_CONSISTENT);
    }), $servers));
}
attempt(fn () => from(memcached($servers, function ($m) {
    $m->setOption(Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
    $m->setOption(Memcached::OPT_HASH, Memcached::HASH_CRC);
}), $servers));

echo "-- CONSISTENT_KETAMA_SPY (4) but as libmemcached-spy\n";
attempt(fn () => from(memcached([['127.0.3.1', 11211, 1], ['127.0.3.2', 11311, 1]],
    fn ($m) => $m->setOption(Memcached::OPT_DISTRIBUTION, 4))));
attempt(fn () => from(memcached($servers, function ($m) {
    $m->setOption(Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
    $m->setOption(Memcached::OPT_HASH, Memcached::HASH_DEFAULT);
    $m->setOption(Memcached::OPT_DISTRIBUTION, 4);
}), $servers));

echo "-- the prefix, hashed or not\n";
$prefixed = fn ($with) => memcached($servers, function ($m) use ($with) {
    $m->setOption(Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
    $m->setOption(Memcached::OPT_PREFIX_KEY, 'app:');
    $m->setOption(Memcached::OPT_HASH_WITH_PREFIX_KEY, $with);
});
attempt(fn () => from($prefixed(true), $servers));
attempt(fn () => from($prefixed(false), $servers));

echo "-- servers\n";
$ketama = fn ($m) => $m->setOption(Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
attempt(fn () => from(memcached([], $ketama)));
attempt(fn () => from(memcached([['/tmp/ketama-test.sock', 0, 1], ['127.0.3.1', 11211, 1]], $ketama)));
// IPv6 in brackets; '' and port 0 as libmemcached names them (localhost, 11211); weight 0 is 1.
attempt(fn () => from(memcached([['::1', 11311, 2], ['', 0, 0], ['127.0.3.1', 11211, 1]], $ketama),
    [['::1', 11311, 2], ['', 0, 0], ['127.0.3.1', 11211]]));
// A server added twice takes the weights given for it in order.
attempt(fn () => from(memcached([['127.0.3.1', 11211, 3], ['127.0.3.1', 11211, 1]], $ketama),
    [['127.0.3.1', 11211, 3], ['127.0.3.1', 11211, 1]]));
// Weighted flag with every weight 1 (distribution 5): the weighted ring, as with weights 2.
attempt(fn () => from(memcached([['127.0.3.1', 11211, 1], ['127.0.3.2', 11211, 1]],
    fn ($m) => $m->setOption(Memcached::OPT_DISTRIBUTION, 5))));

echo "-- weights that are not the object's\n";
$weighted = memcached($servers, $ketama);
attempt(fn () => from($weighted));
attempt(fn () => from($weighted, [['127.0.3.1', 11211, 1], ['127.0.3.2', 11311, 3], ['127.0.3.3', 11211, 2]]));
attempt(fn () => from($weighted, $servers));
// Unweighted (DISTRIBUTION_CONSISTENT after the servers), the weights change nothing:
// accepted, and listed as given.
attempt(function () use ($servers) {
    $m = memcached($servers);
    $m->setOption(Memcached::OPT_DISTRIBUTION, Memcached::DISTRIBUTION_CONSISTENT);
    from($m, [['127.0.3.1', 11211, 9], ['127.0.3.2', 11311, 9], ['127.0.3.3', 11211, 9]]);
});

echo "-- misuse\n";
attempt(fn () => Ketama\Continuum::fromMemcached());
attempt(fn () => Ketama\Continuum::fromMemcached(new stdClass()));
attempt(fn () => Ketama\Continuum::fromMemcached('127.0.0.1:11211'));
attempt(fn () => Ketama\Continuum::fromMemcached(null));
attempt(fn () => Ketama\Continuum::fromMemcached($weighted, 'weights'));
attempt(fn () => Ketama\Continuum::fromMemcached($weighted, [['127.0.3.1']]));
attempt(fn () => Ketama\Continuum::fromMemcached($weighted, [['127.0.3.1', 11211, 1, 'x']]));
attempt(fn () => Ketama\Continuum::fromMemcached($weighted, [[11211, '127.0.3.1', 1]]));
attempt(fn () => Ketama\Continuum::fromMemcached($weighted, ['127.0.3.1:11211' => 3]));
attempt(fn () => Ketama\Continuum::fromMemcached($weighted, [['127.0.3.1', 11211, 1.5]]));
attempt(fn () => Ketama\Continuum::fromMemcached($weighted, [['127.0.3.1', '11211', '3'], ['127.0.3.2', 11311, 1], ['127.0.3.3', 11211, 2]]));
attempt(fn () => Ketama\Continuum::fromMemcached($weighted, [['127.0.3.1', 11211, -1]]));
attempt(fn () => Ketama\Continuum::fromMemcached($weighted, [['127.0.3.1', 11211, 2 ** 32]]));
attempt(fn () => Ketama\Continuum::fromMemcached($weighted, [['127.0.3.1', 70000, 1]]));
attempt(fn () => Ketama\Continuum::fromMemcached($weighted, [['127.0.3.1', 11211, 3]]));
attempt(fn () => Ketama\Continuum::fromMemcached($weighted, array_merge($servers, [['127.0.3.9', 11211, 1]])));

// A subclass: Memcached's own methods are asked, whatever the subclass reports; one whose
// constructor did not run throws php-memcached's Error.
class Lying extends Memcached
{
    public function getServerList(): array
    {
        return [['host' => 'elsewhere', 'port' => 1, 'type' => 'TCP']];
    }
}
class Unbuilt extends Memcached
{
    public function __construct()
    {
    }
}
$lying = new Lying();
$lying->setOption(Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
$lying->addServers($servers);
attempt(fn () => from($lying, $servers));
attempt(fn () => from(new Unbuilt()));

echo "-- ketama_error() tells the last refusal; a success clears it\n";
try {
    Ketama\Continuum::fromMemcached(memcached($servers));
} catch (Ketama\Exception $e) {
    var_dump(ketama_error() === $e->getMessage());
}
Ketama\Continuum::fromMemcached($weighted, $servers);
var_dump(ketama_error());

// Made and refused many times: PHP's memory stays where it was (valgrind sees C's).
$round = function () use ($weighted, $servers) {
    Ketama\Continuum::fromMemcached($weighted, $servers)->server('k');
    foreach ([null, $servers] as $weights) {
        try {
            Ketama\Continuum::fromMemcached($weights ? memcached($servers) : $weighted, ...($weights ? [$weights] : []));
        } catch (Ketama\Exception $e) {
        }
    }
};
for ($i = 0; $i < 20; $i++) {
    $round();
}
$before = memory_get_usage();
for ($i = 0; $i < (under_valgrind() ? 20 : 500); $i++) {
    $round();
}
var_dump(memory_get_usage() - $before <= 4096);
?>
--EXPECT--
-- distributions that are no ring
Ketama\Exception: Ketama\Continuum::fromMemcached(): the Memcached object's OPT_DISTRIBUTION is DISTRIBUTION_MODULA (php-memcached's default): a key goes to its hash modulo the number of servers, on no ring; OPT_LIBKETAMA_COMPATIBLE or OPT_DISTRIBUTION = DISTRIBUTION_CONSISTENT make one
Ketama\Exception: Ketama\Continuum::fromMemcached(): the Memcached object's OPT_DISTRIBUTION is DISTRIBUTION_MODULA (php-memcached's default): a key goes to its hash modulo the number of servers, on no ring; OPT_LIBKETAMA_COMPATIBLE or OPT_DISTRIBUTION = DISTRIBUTION_CONSISTENT make one
Ketama\Exception: Ketama\Continuum::fromMemcached(): the Memcached object's OPT_DISTRIBUTION is RANDOM (3): a key goes to a server drawn at random
Ketama\Exception: Ketama\Continuum::fromMemcached(): the Memcached object's OPT_DISTRIBUTION is DISTRIBUTION_VIRTUAL_BUCKET (setBucket()): keys go to their bucket's server, on no ring
-- hashes no flavor has
Ketama\Exception: Ketama\Continuum::fromMemcached(): no flavor hashes keys as the Memcached object's OPT_HASH HASH_CRC (2) does: libmemcached's consistent rings are flavors with HASH_DEFAULT (one-at-a-time) and HASH_MD5
Ketama\Exception: Ketama\Continuum::fromMemcached(): no flavor hashes keys as the Memcached object's OPT_HASH HASH_FNV1_64 (3) does: libmemcached's consistent rings are flavors with HASH_DEFAULT (one-at-a-time) and HASH_MD5
Ketama\Exception: Ketama\Continuum::fromMemcached(): no flavor hashes keys as the Memcached object's OPT_HASH HASH_FNV1A_64 (4) does: libmemcached's consistent rings are flavors with HASH_DEFAULT (one-at-a-time) and HASH_MD5
Ketama\Exception: Ketama\Continuum::fromMemcached(): no flavor hashes keys as the Memcached object's OPT_HASH HASH_FNV1_32 (5) does: libmemcached's consistent rings are flavors with HASH_DEFAULT (one-at-a-time) and HASH_MD5
Ketama\Exception: Ketama\Continuum::fromMemcached(): no flavor hashes keys as the Memcached object's OPT_HASH HASH_FNV1A_32 (6) does: libmemcached's consistent rings are flavors with HASH_DEFAULT (one-at-a-time) and HASH_MD5
Ketama\Exception: Ketama\Continuum::fromMemcached(): no flavor hashes keys as the Memcached object's OPT_HASH HASH_MURMUR (8) does: libmemcached's consistent rings are flavors with HASH_DEFAULT (one-at-a-time) and HASH_MD5
Ketama\Exception: Ketama\Continuum::fromMemcached(): no flavor hashes keys as the Memcached object's OPT_HASH HASH_CRC (2) does: libmemcached's consistent rings are flavors with HASH_DEFAULT (one-at-a-time) and HASH_MD5
-- CONSISTENT_KETAMA_SPY (4) but as libmemcached-spy
Ketama\Exception: Ketama\Continuum::fromMemcached(): the Memcached object's OPT_DISTRIBUTION CONSISTENT_KETAMA_SPY (4) is a flavor (libmemcached-spy) only weighted and with HASH_MD5, as OPT_LIBKETAMA_COMPATIBLE set before it makes it; it is unweighted, with HASH_DEFAULT
Ketama\Exception: Ketama\Continuum::fromMemcached(): the Memcached object's OPT_DISTRIBUTION CONSISTENT_KETAMA_SPY (4) is a flavor (libmemcached-spy) only weighted and with HASH_MD5, as OPT_LIBKETAMA_COMPATIBLE set before it makes it; it is weighted, with HASH_DEFAULT
-- the prefix, hashed or not
Ketama\Exception: Ketama\Continuum::fromMemcached(): the Memcached object hashes every key with its OPT_PREFIX_KEY "app:" in front (OPT_HASH_WITH_PREFIX_KEY), which a continuum does not add to the keys it is given
libmemcached: 127.0.3.1:11211=3 127.0.3.2:11311=1 127.0.3.3:11211=2
ok
-- servers
Ketama\Exception: Ketama\Continuum::fromMemcached(): the Memcached object has no servers
Ketama\Exception: Ketama\Continuum::fromMemcached(): the Memcached object's server 0, /tmp/ketama-test.sock, is a SOCKET server: the flavors are rings of servers named by host and port, as nginx and the other clients reach them over TCP
libmemcached: [::1]:11311=2 localhost:11211=1 127.0.3.1:11211=1
ok
libmemcached: 127.0.3.1:11211=3 127.0.3.1:11211=1
ok
libmemcached-consistent-weighted: 127.0.3.1:11211=2 127.0.3.2:11211=2
ok
-- weights that are not the object's
Ketama\Exception: Ketama\Continuum::fromMemcached(): the ring built as libmemcached puts the key "ketama-check:1" on 127.0.3.2:11311, the Memcached object on 127.0.3.1:11211: the Memcached object's weights are not those given (argument #2, as addServers() took them; 1 each without it), or a server is ejected at the moment
Ketama\Exception: Ketama\Continuum::fromMemcached(): the ring built as libmemcached puts the key "ketama-check:1" on 127.0.3.2:11311, the Memcached object on 127.0.3.1:11211: the Memcached object's weights are not those given (argument #2, as addServers() took them; 1 each without it), or a server is ejected at the moment
libmemcached: 127.0.3.1:11211=3 127.0.3.2:11311=1 127.0.3.3:11211=2
ok
libmemcached-consistent: 127.0.3.1:11211=9 127.0.3.2:11311=9 127.0.3.3:11211=9
ok
-- misuse
ArgumentCountError: Ketama\Continuum::fromMemcached() expects at least 1 argument, 0 given
TypeError: Ketama\Continuum::fromMemcached(): Argument #1 ($memcached) must be of type Memcached, stdClass given
TypeError: Ketama\Continuum::fromMemcached(): Argument #1 ($memcached) must be of type Memcached, string given
TypeError: Ketama\Continuum::fromMemcached(): Argument #1 ($memcached) must be of type Memcached, null given
TypeError: Ketama\Continuum::fromMemcached(): Argument #2 ($servers) must be of type array, string given
TypeError: Ketama\Continuum::fromMemcached(): Argument #2 ($servers) must contain [host, port, weight] entries, as Memcached::addServers() takes them
TypeError: Ketama\Continuum::fromMemcached(): Argument #2 ($servers) must contain [host, port, weight] entries, as Memcached::addServers() takes them
TypeError: Ketama\Continuum::fromMemcached(): Argument #2 ($servers) must contain [host, port, weight] entries, as Memcached::addServers() takes them
TypeError: Ketama\Continuum::fromMemcached(): Argument #2 ($servers) must contain [host, port, weight] entries, as Memcached::addServers() takes them
TypeError: Ketama\Continuum::fromMemcached(): Argument #2 ($servers) must contain ports and weights of type int for "127.0.3.1"
ok
ValueError: Ketama\Continuum::fromMemcached(): Argument #2 ($servers) must contain ports of 0 to 65535 and weights of 0 to 4294967295 (libmemcached's), for "127.0.3.1"
ValueError: Ketama\Continuum::fromMemcached(): Argument #2 ($servers) must contain ports of 0 to 65535 and weights of 0 to 4294967295 (libmemcached's), for "127.0.3.1"
ValueError: Ketama\Continuum::fromMemcached(): Argument #2 ($servers) must contain ports of 0 to 65535 and weights of 0 to 4294967295 (libmemcached's), for "127.0.3.1"
ValueError: Ketama\Continuum::fromMemcached(): Argument #2 ($servers) must give the weight of every server of the Memcached object: none given for 127.0.3.2:11311
ValueError: Ketama\Continuum::fromMemcached(): Argument #2 ($servers) names a server the Memcached object does not have: "127.0.3.9" port 11211
libmemcached: 127.0.3.1:11211=3 127.0.3.2:11311=1 127.0.3.3:11211=2
ok
Error: Memcached constructor was not called
-- ketama_error() tells the last refusal; a success clears it
bool(true)
string(0) ""
bool(true)
