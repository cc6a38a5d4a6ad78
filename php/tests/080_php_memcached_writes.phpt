--TEST--
End to end: php-memcached stores 5,000 keys in five real memcached (unequal weights, two on port 11211); fromMemcached names, for every key, the server that holds it
--EXTENSIONS--
igbinary
msgpack
memcached
--SKIPIF--
<?php
if (!is_executable('/usr/bin/memcached')) die('skip memcached is not installed (Debian: memcached)');
?>
--FILE--
<?php
require __DIR__ . '/memcached.inc';

$pool = new MemcachedPool([5, 1, 3, 8, 2]);
$servers = array_map(fn ($s) => [$s['host'], $s['port'], $s['weight']], $pool->servers);
$keys = client_keys(5000, longest: 248); // 250 bytes with the setting's prefix

// The settings of a PHP site, each writing its own keys (a prefix of the setting's number).
$settings = [
    'OPT_DISTRIBUTION = DISTRIBUTION_CONSISTENT alone, before the servers' => function (Memcached $m) use ($servers) {
        $m->setOption(Memcached::OPT_DISTRIBUTION, Memcached::DISTRIBUTION_CONSISTENT);
        $m->addServers($servers);
    },
    'OPT_DISTRIBUTION = DISTRIBUTION_CONSISTENT alone, after the servers' => function (Memcached $m) use ($servers) {
        $m->addServers($servers);
        $m->setOption(Memcached::OPT_DISTRIBUTION, Memcached::DISTRIBUTION_CONSISTENT);
    },
    'OPT_LIBKETAMA_COMPATIBLE' => function (Memcached $m) use ($servers) {
        $m->setOption(Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
        $m->addServers($servers);
    },
];
$stored = 0;
foreach (array_keys($settings) as $n => $setting) {
    $m = new Memcached();
    $settings[$setting]($m);
    $mine = array_map(fn ($k) => "$n:$k", $keys);
    // php-memcached writes: a value naming the key, stored where php-memcached puts it.
    foreach (array_chunk($mine, 500) as $chunk) {
        check($m->setMulti(array_combine($chunk, array_map(fn ($k) => "php-memcached wrote $k", $chunk))),
            "setMulti: {$m->getResultMessage()}");
    }
    $stored += count($mine);
    check($pool->items() === $stored, 'php-memcached stored each key once: ' . $pool->items() . " items, $stored keys");
    $m->quit();

    // The extension names a server for every key; the key is read from it directly.
    $c = Ketama\Continuum::fromMemcached($m, $servers);
    $found = $pool->found($mine, $c->servers($mine), fn ($k) => "php-memcached wrote $k");
    echo "$setting: {$c->flavor()}, ", $found === count($mine) ? 'every key' : "$found keys of " . count($mine),
        " found where fromMemcached says\n";
    // libketama's ring for the same servers finds fewer: the test tells rings apart.
    $plain = new Ketama\Continuum(array_map(fn ($s) => [$s['addr'], $s['weight']], $pool->servers));
    $missed = count($mine) - $pool->found($mine, $plain->servers($mine), fn ($k) => "php-memcached wrote $k");
    check($missed > count($mine) / 10, "libketama's ring misses only $missed keys");
}
?>
--EXPECT--
OPT_DISTRIBUTION = DISTRIBUTION_CONSISTENT alone, before the servers: libmemcached-consistent-weighted, every key found where fromMemcached says
OPT_DISTRIBUTION = DISTRIBUTION_CONSISTENT alone, after the servers: libmemcached-consistent, every key found where fromMemcached says
OPT_LIBKETAMA_COMPATIBLE: libmemcached, every key found where fromMemcached says
