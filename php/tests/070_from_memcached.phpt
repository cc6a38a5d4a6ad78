--TEST--
fromMemcached: for Memcached objects set up in every order of calls, the flavor its options make, and the server of every key as getServerByKey gives it
--EXTENSIONS--
igbinary
msgpack
memcached
--FILE--
<?php
require __DIR__ . '/memcached.inc';

const CONSISTENT = Memcached::DISTRIBUTION_CONSISTENT;
const KETAMA = 2;          // MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA: php-memcached has no constant
const SPY = 4;             // MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA_SPY
const WEIGHTED = 5;        // MEMCACHED_DISTRIBUTION_CONSISTENT_WEIGHTED

function opt(Memcached $m, int $option, mixed $value): void
{
    check($m->setOption($option, $value), "setOption($option): " . $m->getResultMessage());
}

function add_all(Memcached $m, array $servers): void
{
    check($m->addServers(add_servers_list($servers)), 'addServers: ' . $m->getResultMessage());
}

function add_each(Memcached $m, array $servers): void
{
    foreach ($servers as $s) {
        check($m->addServer($s['host'], $s['port'], $s['weight']), 'addServer: ' . $m->getResultMessage());
    }
}

/*
 * Each order of calls a script makes, and what libmemcached makes of it: its "weighted" flag,
 * which getOption(OPT_LIBKETAMA_COMPATIBLE) returns once the distribution is consistent, and
 * the flavor of the ring, or the refusal. $heavy: the list has a weight above 1 (adding such a
 * server turns the flag on under a consistent distribution; addServers() turns it on under
 * any, and choosing DISTRIBUTION_CONSISTENT or CONSISTENT_KETAMA turns it off); $n: servers.
 */
$orders = [
    'OPT_LIBKETAMA_COMPATIBLE, addServers' => [function ($m, $s) {
        opt($m, Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
        add_all($m, $s);
    }, fn ($heavy) => [1, 'libmemcached']],
    'addServers, OPT_LIBKETAMA_COMPATIBLE' => [function ($m, $s) {
        add_all($m, $s);
        opt($m, Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
    }, fn ($heavy) => [1, 'libmemcached']],
    'OPT_LIBKETAMA_COMPATIBLE, addServer each' => [function ($m, $s) {
        opt($m, Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
        add_each($m, $s);
    }, fn ($heavy) => [1, 'libmemcached']],
    'DISTRIBUTION_CONSISTENT, addServers' => [function ($m, $s) {
        opt($m, Memcached::OPT_DISTRIBUTION, CONSISTENT);
        add_all($m, $s);
    }, fn ($heavy) => $heavy ? [1, 'libmemcached-consistent-weighted'] : [0, 'libmemcached-consistent']],
    'DISTRIBUTION_CONSISTENT, addServer each' => [function ($m, $s) {
        opt($m, Memcached::OPT_DISTRIBUTION, CONSISTENT);
        add_each($m, $s);
    }, fn ($heavy) => $heavy ? [1, 'libmemcached-consistent-weighted'] : [0, 'libmemcached-consistent']],
    'addServers, DISTRIBUTION_CONSISTENT' => [function ($m, $s) {
        add_all($m, $s);
        opt($m, Memcached::OPT_DISTRIBUTION, CONSISTENT);
    }, fn ($heavy) => [0, 'libmemcached-consistent']],
    'addServer each, DISTRIBUTION_CONSISTENT' => [function ($m, $s) {
        add_each($m, $s);
        opt($m, Memcached::OPT_DISTRIBUTION, CONSISTENT);
    }, fn ($heavy) => [0, 'libmemcached-consistent']],
    'addServers, HASH_MD5, DISTRIBUTION_CONSISTENT' => [function ($m, $s) {
        add_all($m, $s);
        opt($m, Memcached::OPT_HASH, Memcached::HASH_MD5);
        opt($m, Memcached::OPT_DISTRIBUTION, CONSISTENT);
    }, fn ($heavy) => [0, 'libmemcached-ketama']],
    'HASH_MD5, distribution CONSISTENT_KETAMA (2), addServers' => [function ($m, $s) {
        opt($m, Memcached::OPT_HASH, Memcached::HASH_MD5);
        opt($m, Memcached::OPT_DISTRIBUTION, KETAMA);
        add_all($m, $s);
    }, fn ($heavy) => $heavy ? [1, 'libmemcached'] : [0, 'libmemcached-ketama']],
    'addServers, OPT_LIBKETAMA_COMPATIBLE, DISTRIBUTION_CONSISTENT' => [function ($m, $s) {
        add_all($m, $s);
        opt($m, Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
        opt($m, Memcached::OPT_DISTRIBUTION, CONSISTENT);
    }, fn ($heavy) => [0, 'libmemcached-ketama']],
    'OPT_LIBKETAMA_COMPATIBLE, distribution CONSISTENT_KETAMA_SPY (4), addServers' => [function ($m, $s) {
        opt($m, Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
        opt($m, Memcached::OPT_DISTRIBUTION, SPY);
        add_all($m, $s);
    }, fn ($heavy) => [1, 'libmemcached-spy']],
    // addServers turns the flag on under the default distribution (getOption says 0 there: it
    // answers for consistent distributions only); choosing SPY keeps it.
    'addServers, HASH_MD5, distribution CONSISTENT_KETAMA_SPY (4)' => [function ($m, $s) {
        add_all($m, $s);
        check($m->getOption(Memcached::OPT_LIBKETAMA_COMPATIBLE) === 0, 'the flag shows under modula');
        opt($m, Memcached::OPT_HASH, Memcached::HASH_MD5);
        opt($m, Memcached::OPT_DISTRIBUTION, SPY);
    }, fn ($heavy) => $heavy ? [1, 'libmemcached-spy'] : [0, null, 'CONSISTENT_KETAMA_SPY (4) is a flavor']],
    'addServers, distribution CONSISTENT_WEIGHTED (5)' => [function ($m, $s) {
        add_all($m, $s);
        opt($m, Memcached::OPT_DISTRIBUTION, WEIGHTED);
    }, fn ($heavy) => [1, 'libmemcached-consistent-weighted']],
    // php-memcached sets nothing when an option already has the value: the second choice of
    // DISTRIBUTION_CONSISTENT leaves the flag addServers turned on.
    'DISTRIBUTION_CONSISTENT, addServers, DISTRIBUTION_CONSISTENT' => [function ($m, $s) {
        opt($m, Memcached::OPT_DISTRIBUTION, CONSISTENT);
        add_all($m, $s);
        opt($m, Memcached::OPT_DISTRIBUTION, CONSISTENT);
    }, fn ($heavy) => $heavy ? [1, 'libmemcached-consistent-weighted'] : [0, 'libmemcached-consistent']],
    // OPT_HASH hashes the keys from then on, but an unweighted ring keeps the points hashed
    // when the servers were added: one-at-a-time points, MD5 keys, no flavor (the check of
    // fromMemcached finds it out). Weighted points are MD5 whatever the hash.
    'DISTRIBUTION_CONSISTENT, addServers, HASH_MD5' => [function ($m, $s) {
        opt($m, Memcached::OPT_DISTRIBUTION, CONSISTENT);
        add_all($m, $s);
        opt($m, Memcached::OPT_HASH, Memcached::HASH_MD5);
    }, fn ($heavy, $n) => $heavy ? [1, 'libmemcached']
        : ($n === 1 ? [0, 'libmemcached-ketama'] : [0, null, 'its OPT_HASH was changed after'])],
    // Sorted servers: the order of getServerList, which decides ties.
    'OPT_SORT_HOSTS, OPT_LIBKETAMA_COMPATIBLE, addServers' => [function ($m, $s) {
        opt($m, Memcached::OPT_SORT_HOSTS, true);
        opt($m, Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
        add_all($m, array_reverse($s));
    }, fn ($heavy) => [1, 'libmemcached']],
    // A prefix that is not hashed (OPT_HASH_WITH_PREFIX_KEY off) changes nothing.
    'OPT_PREFIX_KEY, DISTRIBUTION_CONSISTENT, addServers' => [function ($m, $s) {
        opt($m, Memcached::OPT_PREFIX_KEY, 'app:');
        opt($m, Memcached::OPT_DISTRIBUTION, CONSISTENT);
        add_all($m, $s);
    }, fn ($heavy) => $heavy ? [1, 'libmemcached-consistent-weighted'] : [0, 'libmemcached-consistent']],
];

// The lists of the client suites (clients/lists): unequal and equal weights, ties of each
// ring, IPv6, host names, one server, and 100 servers (libmemcached's most); under valgrind
// the small ones (of equal weights too: the refusal of an unweighted ring).
$lists = under_valgrind()
    ? ['unequal7', 'equal7', 'ipv6', 'one', 'ties-libmemcached']
    : ['unequal7', 'unequal50', 'equal7', 'equal25', 'equal100', 'ipv6', 'localhost', 'names', 'one',
       'ties-libmemcached', 'ties-libmemcached-consistent', 'ties-libmemcached-spy'];
$keys = client_keys(5000);
$ties = explode("\n", trim(file_get_contents(ketama_root() . '/clients/libmemcached/ties.keys')));
$checked = $flavors = $refused = [];
foreach ($lists as $name) {
    $servers = client_list($name);
    $heavy = max(array_column($servers, 'weight')) > 1;
    $all = array_merge($keys, $ties, point_keys($servers));
    foreach ($orders as $order => [$setup, $expect]) {
        [$flag, $flavor, $refusal] = $expect($heavy, count($servers)) + [2 => null];
        $m = new Memcached();
        $setup($m, $servers);
        $what = "$name, $order";
        check($m->getOption(Memcached::OPT_LIBKETAMA_COMPATIBLE) === $flag, "$what: the flag is not $flag");
        if ($flavor === null) {
            try {
                Ketama\Continuum::fromMemcached($m, add_servers_list($servers));
                check(false, "$what: no refusal");
            } catch (Ketama\Exception $e) {
                check(str_contains($e->getMessage(), $refusal), "$what: {$e->getMessage()}");
                $refused[$order] = true;
            }
            continue;
        }
        $c = Ketama\Continuum::fromMemcached($m, add_servers_list($servers));
        check($c->flavor() === $flavor, "$what: {$c->flavor()}, not $flavor");
        $listed = array_map(fn ($s) => memcached_address($s['host'], $s['port']), $m->getServerList());
        check(array_column($c->serverList(), 'address') === $listed, "$what: the servers differ");
        // Every key, in one batch and one by one, where getServerByKey puts it.
        $batch = $c->servers($all);
        foreach ($all as $i => $key) {
            $got = $m->getServerByKey($key);
            $want = memcached_address($got['host'], $got['port']);
            check($batch[$i] === $want, "$what: \"$key\" on {$batch[$i]}, php-memcached says $want");
            if ($i % 16 === 0) {
                check($c->server($key) === $want, "$what: server(\"$key\")");
            }
        }
        $flavors[$flavor] = true;
        $checked[$order] = ($checked[$order] ?? 0) + count($all);
    }
}
ksort($flavors);
echo implode("\n", array_keys($flavors)), "\n";
check(count($checked) === count($orders), 'an order was proven on no list');
echo count($checked), " orders, every key where php-memcached puts it\n";
ksort($refused);
echo "refused unweighted:\n", implode("\n", array_keys($refused)), "\n";
?>
--EXPECT--
libmemcached
libmemcached-consistent
libmemcached-consistent-weighted
libmemcached-ketama
libmemcached-spy
17 orders, every key where php-memcached puts it
refused unweighted:
DISTRIBUTION_CONSISTENT, addServers, HASH_MD5
addServers, HASH_MD5, distribution CONSISTENT_KETAMA_SPY (4)
