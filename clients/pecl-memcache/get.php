<?php
// The pecl memcache extension's answer: php get.php LIST KEYS OUT
// (run by ./oracle with memcache.hash_strategy=consistent and the hash_function as -d).
// Servers are added as the list spells them (host without the port, brackets of an IPv6
// address kept; port 11211 when none), not persistent, with the list's weight; each key is
// read back with Memcache::get: the value (stored by clients/common/pool.py) names the server.
[$_, $list, $keys, $out] = $argv;
$m = new Memcache();
$servers = 0;
foreach (file($list, FILE_IGNORE_NEW_LINES) as $line) {
    $line = trim(explode('#', $line, 2)[0]);
    if ($line === '') {
        continue;
    }
    $f = preg_split('/\s+/', $line);
    $weight = isset($f[1]) ? (int) $f[1] : 1;
    // host[:port] or [v6][:port]: the port is the digits after the last ':' outside brackets
    if (preg_match('/^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/', $f[0], $mm) !== 1) {
        fwrite(STDERR, "cannot split the address {$f[0]}\n");
        exit(78);
    }
    $port = isset($mm[2]) ? (int) $mm[2] : 11211;
    // addServer(host, port, persistent, weight): false (and a warning) when refused
    if (!@$m->addServer($mm[1], $port, false, $weight)) {
        $e = error_get_last();
        fwrite(STDERR, "Memcache::addServer({$mm[1]}, $port, false, $weight) refused: "
            . ($e ? $e['message'] : 'false') . "\n");
        exit(78);
    }
    $servers++;
}
if ($servers === 0) {
    // every get would be false, with a warning "No servers added to memcache connection"
    fwrite(STDERR, "no servers: Memcache::get answers false for every key\n");
    exit(78);
}
$o = fopen($out, 'wb');
foreach (file($keys, FILE_IGNORE_NEW_LINES) as $key) {
    if ($key === '') {
        continue;
    }
    $v = $m->get($key);
    if (!is_string($v)) {
        fwrite(STDERR, "no value for key '$key' through the extension\n");
        exit(1);
    }
    fwrite($o, "$key\t$v\n");
}
fclose($o);
