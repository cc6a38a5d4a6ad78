<?php
// A PHP site writes through php-memcached, and nginx should serve what it wrote: the site
// prints the nginx upstream that finds its keys, from its own Memcached object.
$servers = [['10.0.1.1', 11211, 600], ['10.0.1.2', 11211, 300], ['10.0.1.3', 11212, 200]];
$memcached = new Memcached();
$memcached->setOption(Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
$memcached->addServers($servers);

// The ring this Memcached object places keys on (php-memcached tells no weights: pass them).
$ring = Ketama\Continuum::fromMemcached($memcached, $servers);

echo "upstream memcached_pool {\n";
echo "    ketama \$memcached_key flavor={$ring->flavor()};\n";
foreach ($ring->serverList() as $server) {
    echo "    server {$server['address']} weight={$server['weight']};\n";
}
echo "}\n";

// Where a key lives, as php-memcached itself says.
$where = $memcached->getServerByKey('user:1234');
echo "user:1234 -> ", $ring->server('user:1234'), " ({$where['host']}:{$where['port']})\n";
