--TEST--
servers() equals server() key by key; binary keys (NUL, any byte, long) agree with C
--FILE--
<?php
require __DIR__ . '/ketama_test.inc';

$pairs = [['10.0.1.1:11211', 600], ['10.0.1.2:11211', 300], ['[2001:db8::7]:11211', 200],
    [str_repeat('cache-node-with-a-long-name.', 4) . 'example:11211', 100], ['10.0.1.5:11211', 5]];
$c = new Ketama\Continuum($pairs);

// Keys of every byte, with NUL, up to several MD5 blocks: C's get_server, ketama_get_server.
$keys = odd_keys(3000, 11);
$want = oracle_lookup(array_source($pairs), $keys);
$batch = $c->servers($keys);
foreach ($keys as $i => $key) {
    check($c->index($key) === $want[$i]['index'], "index of key " . bin2hex($key));
    check($c->server($key) === $want[$i]['server'], "server of key " . bin2hex($key));
    check($batch[$i] === $want[$i]['server'], "servers() of key " . bin2hex($key));
    // php_ketama hashes the key as the C function does: up to the first NUL.
    $m = ketama_get_server($key, $c);
    check($m === ['point' => $want[$i]['point'], 'ip' => $want[$i]['ip']], "ketama_get_server of " . bin2hex($key));
}
check(ketama_get_server("a\0b", $c) === ketama_get_server('a', $c), 'NUL ends the old API key');
echo count($keys), " binary keys agree with C\n";

// The batch keeps the array's keys, whatever they are, and takes ints as their decimal string.
$mixed = ['x' => 'user:1', 7 => 'user:2', 'user:3', -4 => 42, 'y' => PHP_INT_MIN, 'z' => ''];
$result = $c->servers($mixed);
check(array_keys($result) === array_keys($mixed), 'the keys of the result');
foreach ($mixed as $k => $key) {
    check($result[$k] === $c->server((string) $key), "servers() of '$key'");
}
$ref = 'user:9';
$with_ref = ['a' => &$ref, 'b' => 'user:9'];
check($c->servers($with_ref) === ['a' => $c->server('user:9'), 'b' => $c->server('user:9')], 'a reference');
var_dump($c->servers([]));

// A large batch, in one call, equals the single lookups.
$many = [];
for ($i = 0; $i < (under_valgrind() ? 5000 : 50000); $i++) {
    $many[] = "key:$i";
}
$all = $c->servers($many);
$same = 0;
foreach ($many as $i => $key) {
    $same += $all[$i] === $c->server($key);
}
echo $same === count($many) ? 'all' : "$same of " . count($many), " batch answers equal single lookups\n";

// Servers mcs.ip cannot tell apart (the same first 22 bytes): points() names them exactly.
$twins = [['memcache-twin-host.example.net:11211', 100], ['memcache-twin-host.example.net:11212', 100]];
$t = new Ketama\Continuum($twins);
check($t->points() === oracle_points(array_source($twins)), 'the twins\' points');
echo count(array_unique(array_column($t->points(), 'ip'))), ' ip, ',
    count(array_unique(array_column($t->points(), 'server'))), " servers in points()\n";

// A 16 MiB key (1 MiB under valgrind), and the same through the batch.
$huge = str_repeat("\xa5", under_valgrind() ? 1 << 20 : 16 << 20);
$h = oracle_lookup(array_source($pairs), [$huge])[0];
check($c->server($huge) === $h['server'] && $c->servers([$huge]) === [$h['server']], 'a huge key');
echo "a huge key agrees with C\n";
?>
--EXPECT--
3000 binary keys agree with C
array(0) {
}
all batch answers equal single lookups
1 ip, 2 servers in points()
a huge key agrees with C
