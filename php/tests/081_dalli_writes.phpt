--TEST--
End to end: Ruby dalli stores 5,000 keys in five real memcached (unequal weights, two on port 11211); the dalli flavor names, for every key, the server that holds it
--SKIPIF--
<?php
if (!is_executable('/usr/bin/memcached')) die('skip memcached is not installed (Debian: memcached)');
exec('ruby -e "require \'dalli\'" 2>/dev/null', $out, $status);
if ($status !== 0) die('skip Ruby dalli is not installed (Debian: ruby-dalli)');
?>
--FILE--
<?php
require __DIR__ . '/memcached.inc';

$pool = new MemcachedPool([5, 1, 3, 8, 2]);
$keys = client_keys(5000);
$file = tempnam(sys_get_temp_dir(), 'ketama-keys');
file_put_contents($file, implode("\n", $keys) . "\n");

// Ruby writes: a Dalli::Client on the servers as a Ruby application lists them (host:port:weight),
// bounded in time (timeout kills it), its output and errors kept.
$command = array_merge(['timeout', '-k', '5', '120', 'ruby', __DIR__ . '/dalli_write.rb', $file],
    array_map(fn ($s) => "{$s['addr']}:{$s['weight']}", $pool->servers));
$proc = proc_open($command, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
$out = stream_get_contents($pipes[1]);
$err = stream_get_contents($pipes[2]);
fclose($pipes[1]);
fclose($pipes[2]);
$status = proc_close($proc);
unlink($file);
check($status === 0 && (int) $out === count($keys), "dalli stored $out keys (exit $status): $err");
check($pool->items() === count($keys), 'dalli stored each key once');

// PHP reads each key directly from the server the dalli flavor names (of this Ruby: where its
// sort_by leaves two servers' equal points changed in Ruby 3.3).
exec('ruby -e "exit(Gem::Version.new(RUBY_VERSION) >= Gem::Version.new(\'3.3\') ? 0 : 1)"', $out, $old_ruby);
$servers = array_column($pool->servers, 'weight', 'addr');
$c = new Ketama\Continuum($servers, $old_ruby ? 'dalli-ruby3.2' : 'dalli');
$found = $pool->found($keys, $c->servers($keys), fn ($k) => "dalli wrote $k");
echo $found === count($keys) ? 'every key' : "$found keys of " . count($keys), " found where the dalli flavor says\n";
// libketama's ring for the same servers finds fewer: the test tells rings apart.
$missed = count($keys) - $pool->found($keys, (new Ketama\Continuum($servers))->servers($keys), fn ($k) => "dalli wrote $k");
check($missed > count($keys) / 10, "libketama's ring misses only $missed keys");
?>
--EXPECT--
every key found where the dalli flavor says
