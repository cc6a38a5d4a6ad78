<?php
// The php-memcached oracle (run by ./oracle): asks the real extension (Debian's php-memcached
// 3.2, over libmemcached 1.1.4) which server it picks for each key, with
// Memcached::getServerByKey: no memcached server is needed, none is contacted.
//
//     php oracle.php FLAVOR LIST KEYS OUT
//
// The order of the calls matters in php-memcached (libmemcached underneath): adding a server of
// weight > 1 while a consistent distribution is chosen turns weighting on, and choosing
// DISTRIBUTION_CONSISTENT turns it off again. Each flavor below is the sequence named.
// Exit: 0 done; 2 usage or unreadable input; 78 the extension refuses (reason on stderr).

const REFUSED = 78;

function fail(int $code, string $why): void
{
    fwrite(STDERR, "php-memcached oracle: $why\n");
    exit($code);
}

if ($argc !== 5) {
    fail(2, "usage: oracle FLAVOR LIST KEYS OUT");
}
[, $flavor, $listPath, $keysPath, $outPath] = $argv;

// `h:p`, `[v6]:p`, `[v6]`, `h` (port 11211). An application hands addServer the IPv6 address
// without its brackets (getaddrinfo would not take them).
function split_address(string $addr): array
{
    if ($addr !== '' && $addr[0] === '[') {
        if (!preg_match('/^\[([^\]]*)\](?::(\d+))?$/', $addr, $m)) {
            fail(2, "bad address $addr");
        }
        return [$m[1], isset($m[2]) ? (int)$m[2] : 11211];
    }
    if (substr_count($addr, ':') === 1) {
        [$host, $port] = explode(':', $addr);
        if (!ctype_digit($port)) {
            fail(2, "bad port in $addr");
        }
        return [$host, (int)$port];
    }
    return [$addr, 11211];
}

// `ADDRESS [WEIGHT]` a line, `#` starts a comment.
$servers = [];
$lines = @file($listPath);
if ($lines === false) {
    fail(2, "cannot read $listPath");
}
foreach ($lines as $line) {
    $fields = preg_split('/\s+/', trim(explode('#', $line, 2)[0]), -1, PREG_SPLIT_NO_EMPTY);
    if (!$fields) {
        continue;
    }
    [$host, $port] = split_address($fields[0]);
    $weight = isset($fields[1]) ? $fields[1] : '1';
    if (!ctype_digit($weight)) {
        fail(2, "bad weight on the line of {$fields[0]}");
    }
    $servers[] = ['addr' => $fields[0], 'host' => $host, 'port' => $port, 'weight' => (int)$weight];
}

$m = new Memcached();

function opt(Memcached $m, int $option, int $value, string $what): void
{
    if (!$m->setOption($option, $value)) {
        fail(REFUSED, "php-memcached refuses $what: " . $m->getResultMessage());
    }
}

function add(Memcached $m, array $servers): void
{
    $list = array_map(fn($s) => [$s['host'], $s['port'], $s['weight']], $servers);
    // addServers with an empty array adds nothing and succeeds.
    if (!$m->addServers($list)) {
        fail(REFUSED, "php-memcached refuses the servers (addServers): " . $m->getResultMessage());
    }
}

switch ($flavor) {
    case 'libmemcached':
        // OPT_LIBKETAMA_COMPATIBLE is MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED: MD5 keys, weighted.
        opt($m, Memcached::OPT_LIBKETAMA_COMPATIBLE, 1, 'OPT_LIBKETAMA_COMPATIBLE');
        add($m, $servers);
        break;
    case 'libmemcached-ketama':
        // MD5 for the keys and the points, unweighted: the distribution chosen after the servers.
        add($m, $servers);
        opt($m, Memcached::OPT_HASH, Memcached::HASH_MD5, 'OPT_HASH=HASH_MD5');
        opt($m, Memcached::OPT_DISTRIBUTION, Memcached::DISTRIBUTION_CONSISTENT,
            'OPT_DISTRIBUTION=DISTRIBUTION_CONSISTENT');
        break;
    case 'libmemcached-consistent':
        // DISTRIBUTION_CONSISTENT alone, after the servers: unweighted, one-at-a-time.
        add($m, $servers);
        opt($m, Memcached::OPT_DISTRIBUTION, Memcached::DISTRIBUTION_CONSISTENT,
            'OPT_DISTRIBUTION=DISTRIBUTION_CONSISTENT');
        break;
    case 'libmemcached-consistent-weighted':
        // The usual script: DISTRIBUTION_CONSISTENT first, then the servers. Weighted points as
        // soon as one weight is > 1, keys still hashed with one-at-a-time.
        opt($m, Memcached::OPT_DISTRIBUTION, Memcached::DISTRIBUTION_CONSISTENT,
            'OPT_DISTRIBUTION=DISTRIBUTION_CONSISTENT');
        add($m, $servers);
        break;
    case 'libmemcached-spy':
        // No constant for it in php-memcached: MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA_SPY is 4
        // in libmemcached's enum, and setOption passes unknown values to libmemcached.
        opt($m, Memcached::OPT_LIBKETAMA_COMPATIBLE, 1, 'OPT_LIBKETAMA_COMPATIBLE');
        opt($m, Memcached::OPT_DISTRIBUTION, 4, 'OPT_DISTRIBUTION=CONSISTENT_KETAMA_SPY (4)');
        add($m, $servers);
        break;
    default:
        fail(2, "unknown flavor $flavor");
}

// getServerByKey gives host and port: back to the list's spelling (the first with them: of
// duplicates, the first always wins, their points being the same). libmemcached names an empty
// host "localhost" and port 0 11211.
$byHostPort = [];
foreach ($servers as $s) {
    $host = $s['host'] === '' ? 'localhost' : $s['host'];
    $port = $s['port'] === 0 ? 11211 : $s['port'];
    $byHostPort[$host . "\0" . $port] ??= $s['addr'];
}

$keys = @fopen($keysPath, 'rb');
$out = @fopen($outPath, 'wb');
if ($keys === false || $out === false) {
    fail(2, "cannot read $keysPath or write $outPath");
}
while (($key = fgets($keys)) !== false) {
    $key = rtrim($key, "\n");
    $got = $m->getServerByKey($key);
    if ($got === false) {
        fclose($out);
        unlink($outPath); // no half answer
        $shown = strlen($key) > 60 ? substr($key, 0, 60) . '...' : $key;
        fail(REFUSED, sprintf('getServerByKey gives no server for the key "%s" (%d bytes): %s',
            $shown, strlen($key), $m->getResultMessage()));
    }
    $addr = $byHostPort[$got['host'] . "\0" . $got['port']] ?? null;
    if ($addr === null) {
        fail(REFUSED, "unknown server {$got['host']}:{$got['port']} for \"$key\"");
    }
    fwrite($out, "$key\t$addr\n");
}
fclose($keys);
if (!fclose($out)) {
    fail(2, "cannot write $outPath");
}
