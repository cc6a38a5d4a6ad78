--TEST--
Every flavor through every PHP path (the constructor and fromFile; server, index, servers, points, serverList, ketama_get_server), as C's create_ketama_flavor and ketama_roll_flavor answer
--FILE--
<?php
require __DIR__ . '/ketama_test.inc';

// Ketama\flavors() is the library's list, in its order, libketama first.
$want = [];
foreach (explode("\n", rtrim(oracle(['flavors']), "\n")) as $line) {
    [$name, $clients] = explode("\t", $line, 2);
    $want[$name] = $clients;
}
check(Ketama\flavors() === $want, 'Ketama\flavors() is not the C list');
check(array_key_first($want) === 'libketama' && count($want) >= 20, 'the C list');

// Unequal weights; addresses as applications write them: port 11211 and others, a host alone,
// IPv6, a host name (weights of tens: pecl memcache and nginx give a server 160 points a
// unit); keys of every shape, binary and NUL included.
$pairs = [['127.0.0.1:11211', 60], ['127.0.0.2', 30], ['[::1]:11311', 20],
    ['cache-d.internal:11311', 10], ['127.0.0.3:22122', 1]];
$keys = array_merge(array_slice(fixture_keys(), 0, under_valgrind() ? 100 : 2000), odd_keys(under_valgrind() ? 40 : 400, 22));
$file = fixture_dir() . '/lastfm8.servers';
$fileKeys = array_slice($keys, 0, 300);
// Every flavor by its name, and some by an alias (the library takes those too).
$names = array_merge(array_keys($want), ['php-memcached', 'nutcracker', 'ruby-dalli', 'spy']);
foreach ($names as $flavor) {
    $source = array_merge(['-f', $flavor], array_source($pairs));
    $c = new Ketama\Continuum($pairs, $flavor);
    check($c->flavor() === $flavor, "$flavor: flavor() is {$c->flavor()}");
    check(count($c) === count($pairs), "$flavor: count");
    $c_answers = oracle_lookup($source, $keys);
    $batch = $c->servers($keys);
    foreach ($keys as $i => $key) {
        $w = $c_answers[$i];
        check($c->index($key) === $w['index'], "$flavor: index of " . bin2hex($key));
        check($c->server($key) === $w['server'], "$flavor: server of " . bin2hex($key));
        check($batch[$i] === $w['server'], "$flavor: servers() of " . bin2hex($key));
        $old = ketama_get_server($key, $c);
        check($old['point'] === $w['point'] && $old['ip'] === $w['ip'], "$flavor: ketama_get_server of " . bin2hex($key));
    }
    check($c->points() === oracle_points($source), "$flavor: points()");
    $list = array_map(fn ($s) => [$s['address'], $s['weight'], $s['points']], $c->serverList());
    check($list === oracle_servers($source), "$flavor: serverList()");
    // The same servers as address => weight: the same ring.
    $assoc = new Ketama\Continuum(array_column($pairs, 1, 0), $flavor);
    check($assoc->servers($keys) === $batch, "$flavor: address => weight");
    // A server file rolled as the flavor.
    $f = Ketama\Continuum::fromFile($file, $flavor);
    check($f->flavor() === $flavor, "$flavor: fromFile's flavor()");
    $c_file = oracle_lookup(['-f', $flavor, $file], $fileKeys);
    check($f->servers($fileKeys) === array_column($c_file, 'server'), "$flavor: fromFile");
}
// The default is libketama's own ring, as before flavors.
$plain = new Ketama\Continuum($pairs);
check($plain->flavor() === 'libketama', 'the default flavor');
check($plain->points() === (new Ketama\Continuum($pairs, 'libketama'))->points(), 'libketama by name');
check($plain->points() === oracle_points(array_source($pairs)), 'the default ring');
check(ketama_roll($file)->flavor() === 'libketama', 'ketama_roll');
// Flavors differ: the same servers, other answers (else this test would prove little). Those
// that answer as libketama does for these servers: libketama's own MD5s of "ADDRESS-k" with the
// same counts for these weights (spymemcached's weighted counts, the npm hashring's and
// uhashring's, whose ">" differs only on a key hashed exactly onto a point).
foreach (array_keys($want) as $flavor) {
    if ((new Ketama\Continuum($pairs, $flavor))->servers($keys) === $plain->servers($keys)) {
        echo "$flavor\n";
    }
}
echo count($names), " flavors and aliases, every key as C answers\n";
?>
--EXPECT--
libketama
spymemcached-weighted
hashring
uhashring
32 flavors and aliases, every key as C answers
