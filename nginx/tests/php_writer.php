<?php
// The PHP application of nginx/tests/fleet.sh: Debian's php-memcached (over libmemcached)
// with OPT_LIBKETAMA_COMPATIBLE, as a PHP site configures it, stores the keys PREFIX00000,
// PREFIX00001, ... on the servers of LIST, each with the key itself as its value. Where each
// key goes is the client's own choice: nginx must then find it there.
//
//     php php_writer.php LIST PREFIX N
//
// LIST holds `HOST:PORT WEIGHT` lines. Prints "php-memcached: N keys stored"; exit status 1
// when a set fails, 2 on bad arguments.

if ($argc !== 4) {
    fwrite(STDERR, "usage: php php_writer.php LIST PREFIX N\n");
    exit(2);
}
[, $listPath, $prefix, $count] = $argv;

$servers = [];
foreach (file($listPath, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) as $line) {
    [$addr, $weight] = preg_split('/\s+/', trim($line));
    $colon = strrpos($addr, ':');
    $servers[] = [substr($addr, 0, $colon), (int)substr($addr, $colon + 1), (int)$weight];
}

$m = new Memcached();
// Before the servers: libmemcached builds its ring as they are added.
$m->setOption(Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
$m->setOption(Memcached::OPT_CONNECT_TIMEOUT, 2000);
if (!$m->addServers($servers)) {
    fwrite(STDERR, "php-memcached refuses the servers: " . $m->getResultMessage() . "\n");
    exit(1);
}

$stored = 0;
for ($i = 0; $i < (int)$count; $i++) {
    $key = sprintf('%s%05d', $prefix, $i);
    if (!$m->set($key, $key)) {
        fwrite(STDERR, "php-memcached: set $key: " . $m->getResultMessage() . "\n");
        exit(1);
    }
    $stored++;
}
echo "php-memcached: $stored keys stored\n";
