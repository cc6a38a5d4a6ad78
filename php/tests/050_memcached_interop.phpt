--TEST--
On real memcached servers: 10,000 keys stored where the extension says, found where C says
--SKIPIF--
<?php
if (!is_executable('/usr/bin/memcached')) die('skip memcached is not installed (Debian: memcached, which make deps installs)');
?>
--FILE--
<?php
require __DIR__ . '/ketama_test.inc';

// Three memcached on free loopback ports, of unequal weights.
$children = new Children();
$log = tempnam(sys_get_temp_dir(), 'ketama-memcached');
$pairs = [];
$as_root = trim((string) shell_exec('id -u')) === '0';
foreach ([100, 200, 300] as $weight) {
    $port = free_port();
    $children->start(array_merge(['/usr/bin/memcached', '-l', '127.0.0.1', '-p', (string) $port,
        '-U', '0', '-m', '64', '-t', '1'], $as_root ? ['-u', 'nobody'] : []), $log);
    $pairs[] = ["127.0.0.1:$port", $weight];
}
$sockets = [];
foreach ($pairs as [$addr]) {
    wait_for_port((int) substr($addr, 10));
    $sockets[$addr] = stream_socket_client("tcp://$addr", $errno, $errstr, 5);
    stream_set_timeout($sockets[$addr], 10);
}

/** Sends `$request` to `$addr` and reads until the reply holds `$count` times `$end`. */
function talk(array $sockets, string $addr, string $request, string $end, int $count = 1): string
{
    fwrite($sockets[$addr], $request);
    $reply = '';
    while (substr_count($reply, $end) < $count) {
        $chunk = fread($sockets[$addr], 65536);
        if ($chunk === '' || $chunk === false) {
            throw new RuntimeException("$addr: the reply stopped after " . strlen($reply) . ' bytes');
        }
        $reply .= $chunk;
    }
    return $reply;
}

// Store: the extension picks each key's server (one batch call), the values say which key.
$c = new Ketama\Continuum($pairs);
$keys = [];
for ($i = 0; $i < 10000; $i++) {
    $keys[] = "user:$i:" . substr(md5((string) $i), 0, 8);
}
$sets = [];
foreach ($c->servers($keys) as $i => $addr) {
    $value = "value of {$keys[$i]}";
    $sets[$addr][] = "set {$keys[$i]} 0 0 " . strlen($value) . "\r\n$value\r\n";
}
foreach ($sets as $addr => $requests) {
    talk($sockets, $addr, implode('', $requests), "STORED\r\n", count($requests));
}

// Fetch: from the server C's get_server names for each key (create_ketama of the same array).
$where = [];
foreach (oracle_lookup(array_source($pairs), $keys) as $i => $answer) {
    $where[$answer['server']][] = $keys[$i];
}
$found = 0;
foreach ($where as $addr => $its) {
    foreach (array_chunk($its, 100) as $chunk) {
        $reply = talk($sockets, $addr, 'get ' . implode(' ', $chunk) . "\r\n", "END\r\n");
        preg_match_all('/^VALUE (\S+) 0 \d+\r\n(.*)\r\n/m', $reply, $m, PREG_SET_ORDER);
        foreach ($m as [, $key, $value]) {
            $found += $value === "value of $key" && in_array($key, $chunk, true);
        }
    }
}
// Each key stored once: the servers hold 10,000 items in all.
$items = 0;
foreach ($pairs as [$addr]) {
    preg_match('/STAT curr_items (\d+)/', talk($sockets, $addr, "stats\r\n", "END\r\n"), $m);
    $items += (int) $m[1];
}
echo "$found of ", count($keys), " keys found where C says, $items items on ", count($pairs), " servers\n";
echo count($where), " servers got keys\n";
$children->stopAll();
unlink($log);
?>
--EXPECT--
10000 of 10000 keys found where C says, 10000 items on 3 servers
3 servers got keys
