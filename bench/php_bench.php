<?php
/*
 * PHP's cost per key of the ketama extension's lookups, beside php-memcached's
 * Memcached::getServerByKey (consistent distribution, OPT_LIBKETAMA_COMPATIBLE: what PHP sites
 * use today) on the same servers, measured side by side in one run; and how many keys
 * php-memcached sends where libketama clients look for them.
 *
 *   make php-bench [PHP_BENCH_ARGS="REPS KEYS"]
 *   php -d extension=target/php-build/modules/ketama.so bench/php_bench.php [REPS] [KEYS]
 *
 * Needs php-memcached (Debian: php-memcached) for its columns; prints n/a without it.
 * Figures are medians of REPS runs over KEYS distinct keys. No server is contacted.
 */

$reps = (int) ($argv[1] ?? 5);
$count = (int) ($argv[2] ?? 200000);

// Server lists: last.fm's eight servers (port 11211, where php-memcached hashes the host
// alone), the same eight on another port, and 100 servers.
$lists = [];
foreach (file(__DIR__ . '/../c-tests/fixtures/lastfm8.servers', FILE_IGNORE_NEW_LINES) as $line) {
    if (!preg_match('/^([^#\s]\S*)\s+(\d+)/', $line, $m)) {
        continue;
    }
    [, $addr, $weight] = $m;
    $lists['lastfm8, port 11211'][] = [$addr, (int) $weight];
    $lists['lastfm8, port 11212'][] = [str_replace(':11211', ':11212', $addr), (int) $weight];
}
for ($i = 0; $i < 100; $i++) {
    $lists['100 servers, port 11212'][] = [sprintf('10.0.%d.%d:11212', $i / 250, $i % 250 + 1), 100 + $i];
}

$keys = [];
for ($i = 0; $i < $count; $i++) {
    $keys[] = "user:$i:" . ($i * 7919 % 1000003);
}

/** Median ns per key of `$run` (which looks up all of `$keys`) over `$reps` runs. */
function ns_per_key(callable $run, int $reps, int $count): float
{
    $times = [];
    for ($r = 0; $r < $reps; $r++) {
        $t = hrtime(true);
        $run();
        $times[] = (hrtime(true) - $t) / $count;
    }
    sort($times);
    return $times[intdiv($reps, 2)];
}

$has_memcached = extension_loaded('memcached');
printf("PHP %s, ketama extension %s, php-memcached %s\n", PHP_VERSION, phpversion('ketama'),
    $has_memcached ? phpversion('memcached') : 'not loaded');
printf("%d distinct keys, median of %d runs; servers() in calls of 128 keys\n\n", $count, $reps);
printf("%-26s %9s %9s %9s %9s %9s %9s %9s\n", 'servers', 'server()', 'servers()', 'index()',
    'old API', 'memcached', 'server()', 'memcached');
printf("%-26s %9s %9s %9s %9s %9s %9s %9s\n", '', 'ns/key', 'ns/key', 'ns/key', 'ns/key',
    'ns/key', 'vs memc', 'agrees');

foreach ($lists as $name => $pairs) {
    $c = new Ketama\Continuum($pairs);
    $chunks = array_chunk($keys, 128);
    $server = ns_per_key(function () use ($c, $keys) {
        foreach ($keys as $k) {
            $c->server($k);
        }
    }, $reps, $count);
    $batch = ns_per_key(function () use ($c, $chunks) {
        foreach ($chunks as $chunk) {
            $c->servers($chunk);
        }
    }, $reps, $count);
    $index = ns_per_key(function () use ($c, $keys) {
        foreach ($keys as $k) {
            $c->index($k);
        }
    }, $reps, $count);
    $old = ns_per_key(function () use ($c, $keys) {
        foreach ($keys as $k) {
            ketama_get_server($k, $c);
        }
    }, $reps, $count);

    $memc = $agrees = null;
    if ($has_memcached) {
        $m = new Memcached();
        $m->setOption(Memcached::OPT_DISTRIBUTION, Memcached::DISTRIBUTION_CONSISTENT);
        $m->setOption(Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
        $m->addServers(array_map(function ($p) {
            [$host, $port] = explode(':', $p[0]);
            return [$host, (int) $port, $p[1]];
        }, $pairs));
        $memc = ns_per_key(function () use ($m, $keys) {
            foreach ($keys as $k) {
                $m->getServerByKey($k);
            }
        }, $reps, $count);
        $same = 0;
        foreach ($c->servers($keys) as $i => $addr) {
            $s = $m->getServerByKey($keys[$i]);
            $same += "{$s['host']}:{$s['port']}" === $addr;
        }
        $agrees = 100.0 * $same / $count;
    }
    printf("%-26s %9.1f %9.1f %9.1f %9.1f %9s %9s %9s\n", $name, $server, $batch, $index, $old,
        $memc === null ? 'n/a' : sprintf('%.1f', $memc),
        $memc === null ? 'n/a' : sprintf('%.2fx', $memc / $server),
        $agrees === null ? 'n/a' : sprintf('%.1f%%', $agrees));
}
