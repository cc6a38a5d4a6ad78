--TEST--
On real memcached servers: 10,000 keys stored where the extension says, found where C says
--SKIPIF--
<?php
if (!is_executable('/usr/bin/memcached')) die('skip memcached is not installed (Debian: memcached, which make deps installs)');
?>
--FILE--
<?php
require __DIR__ . '/memcached.inc';

// Three memcached on loopback (two on port 11211), of unequal weights.
$pool = new MemcachedPool([100, 200, 300]);
$pairs = array_map(fn ($s) => [$s['addr'], $s['weight']], $pool->servers);

// Store: the extension picks each key's server (one batch call), the values say which key.
$c = new Ketama\Continuum($pairs);
$keys = [];
for ($i = 0; $i < 10000; $i++) {
    $keys[] = "user:$i:" . substr(md5((string) $i), 0, 8);
}
$sets = [];
foreach ($c->servers($keys) as $i => $addr) {
    $value = "value of {$keys[$i]}";
    $sets[$addr][] = "set {$keys[$i]} 0 0 " . strlen($value) . "\r\n$value\r\n";
}
foreach ($sets as $addr => $requests) {
    $pool->talk($addr, implode('', $requests), "STORED\r\n", count($requests));
}

// Fetch: from the server C's get_server names for each key (create_ketama of the same array).
$where = array_column(oracle_lookup(array_source($pairs), $keys), 'server');
$found = $pool->found($keys, $where, fn ($key) => "value of $key");
// Each key stored once: the servers hold 10,000 items in all.
$items = $pool->items();
echo "$found of ", count($keys), " keys found where C says, $items items on ", count($pairs), " servers\n";
echo count(array_unique($where)), " servers got keys\n";
?>
--EXPECT--
10000 of 10000 keys found where C says, 10000 items on 3 servers
3 servers got keys
