<?php
// Ketama\Continuum: the servers from the application's own configuration, no server file.
$ketama = new Ketama\Continuum([
    '10.0.1.1:11211' => 600,
    '10.0.1.2:11211' => 300,
    '[2001:db8::7]:11211' => 200, // any length: the whole address is hashed
]);

foreach (['user:1234', 'session:af93', 'greeting'] as $key) {
    echo $key, ' -> ', $ketama->server($key), "\n";
}

// A multi-get: the servers of many keys in one call, grouped to send one request per server.
$keys = ['cart:17', 'cart:18', 'cart:19', 'cart:20'];
$byServer = [];
foreach ($ketama->servers($keys) as $i => $server) {
    $byServer[$server][] = $keys[$i];
}
ksort($byServer);
foreach ($byServer as $server => $its) {
    echo $server, ': ', implode(' ', $its), "\n";
}

// A server file, as ketama_roll() reads it; a file libketama refuses throws.
try {
    Ketama\Continuum::fromFile('/nonexistent/memcached.servers');
} catch (Ketama\Exception $e) {
    echo 'refused: ', $e->getMessage(), "\n";
}
