--TEST--
The original libketama's published check (lastfm8, keys 0 to 999999) through php_ketama's API
--SKIPIF--
<?php if (getenv('USE_ZEND_ALLOC') === '0') die('skip a million lookups: too slow under valgrind (010 runs there)'); ?>
--FILE--
<?php
require __DIR__ . '/ketama_test.inc';

// The output of the original's check program, whose MD5 the original published: ketama_error()
// after the roll, then "hash point ip" per key. The hash is ketama_hashi(): the first four
// bytes of the key's MD5, little endian (it is not part of php_ketama's API).
$c = ketama_roll(fixture_dir() . '/lastfm8.servers');
$md5 = hash_init('md5');
hash_update($md5, ketama_error() . "\n");
for ($i = 0; $i < 1000000; $i++) {
    $m = ketama_get_server((string) $i, $c);
    hash_update($md5, unpack('V', md5((string) $i, true))[1] . " {$m['point']} {$m['ip']}\n");
}
echo hash_final($md5), "\n";
?>
--EXPECT--
5672b131391f5aa2b280936aec1eea74
