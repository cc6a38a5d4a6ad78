--TEST--
The mixed-fleet example (php/examples/fleet.php, shown in docs/php.md): the nginx upstream it prints, built as its flavor, puts every key where php-memcached does
--EXTENSIONS--
igbinary
msgpack
memcached
--FILE--
<?php
require __DIR__ . '/ketama_test.inc';

$example = ketama_root() . '/php/examples/fleet.php';
$page = file_get_contents(ketama_root() . '/docs/php.md');
check(str_contains($page, "```php\n" . file_get_contents($example) . "```\n"), 'docs/php.md shows fleet.php');
ob_start();
include $example;
$out = ob_get_clean();
echo $out;

// The upstream as nginx reads it: its flavor and its server lines, built again from the text.
preg_match('/flavor=(\S+);/', $out, $flavor);
preg_match_all('/server (\S+) weight=(\d+);/', $out, $lines, PREG_SET_ORDER);
$upstream = new Ketama\Continuum(array_map(fn ($l) => [$l[1], (int) $l[2]], $lines), $flavor[1]);
$wrong = 0;
for ($i = 0; $i < 5000; $i++) {
    $where = $memcached->getServerByKey("page:$i");
    $wrong += $upstream->server("page:$i") !== "{$where['host']}:{$where['port']}";
}
check($wrong === 0, "the printed upstream puts $wrong of 5000 keys elsewhere than php-memcached");
// libketama's ring of the same lines does not: the check tells rings apart.
$plain = new Ketama\Continuum(array_map(fn ($l) => [$l[1], (int) $l[2]], $lines));
$differ = 0;
for ($i = 0; $i < 5000; $i++) {
    $differ += $plain->server("page:$i") !== $upstream->server("page:$i");
}
check($differ > 500, "libketama's ring differs on only $differ keys");
?>
--EXPECT--
upstream memcached_pool {
    ketama $memcached_key flavor=libmemcached;
    server 10.0.1.1:11211 weight=600;
    server 10.0.1.2:11211 weight=300;
    server 10.0.1.3:11212 weight=200;
}
user:1234 -> 10.0.1.1:11211 (10.0.1.1:11211)
