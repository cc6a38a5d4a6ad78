--TEST--
Server file paths: relative to PHP's working directory, and open_basedir applies
--FILE--
<?php
require __DIR__ . '/ketama_test.inc';

$dir = sys_get_temp_dir() . '/ketama-paths-' . getmypid();
mkdir($dir);
copy(fixture_dir() . '/lastfm4.servers', "$dir/memcached.servers");
$absolute = Ketama\Continuum::fromFile(fixture_dir() . '/lastfm4.servers');

chdir($dir);
$relative = ketama_roll('memcached.servers');
var_dump($relative->points() === $absolute->points());
chdir('/');
$dotted = Ketama\Continuum::fromFile("$dir/../" . basename($dir) . '/./memcached.servers');
var_dump($dotted->points() === $absolute->points());

// The library opens the file itself, so the extension checks open_basedir as fopen would.
ini_set('open_basedir', $dir);
var_dump(count(Ketama\Continuum::fromFile("$dir/memcached.servers")));
attempt(fn () => Ketama\Continuum::fromFile(fixture_dir() . '/lastfm4.servers'));
var_dump(str_starts_with(ketama_error(), 'open_basedir restriction in effect'));
attempt(fn () => ketama_roll("$dir/../" . basename(fixture_dir()) . '/lastfm4.servers'));
unlink("$dir/memcached.servers");
rmdir($dir);
?>
--EXPECTF--
bool(true)
bool(true)
int(4)
Ketama\Exception: open_basedir restriction in effect: %s/c-tests/fixtures/lastfm4.servers is not within the allowed path(s)
bool(true)
Ketama\Exception: open_basedir restriction in effect: %s is not within the allowed path(s)
