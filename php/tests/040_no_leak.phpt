--TEST--
100,000 continua made and freed in one process: neither PHP's memory nor the process's RSS grows
--FILE--
<?php
require __DIR__ . '/ketama_test.inc';

// Under valgrind (USE_ZEND_ALLOC=0) fewer rounds, and valgrind itself reports what leaks: it
// makes RSS meaningless, and memory_get_usage does not see malloc.
$valgrind = under_valgrind();
$rounds = $valgrind ? 300 : 100000;
$file = fixture_dir() . '/lastfm4.servers';
$servers = ['10.0.1.1:11211' => 600, '10.0.1.2:11211' => 300, ['[2001:db8::7]:11211', 200]];

function rss_kib(): int
{
    preg_match('/^VmRSS:\s+(\d+) kB/m', file_get_contents('/proc/self/status'), $m);
    return (int) $m[1];
}

// Every way a continuum is made and let go, with a lookup through each API on it.
function round_trip(int $i, string $file, array $servers): void
{
    $a = new Ketama\Continuum($servers);             // freed when $a goes
    $a->server("k$i");
    $a->servers(["k$i", $i]);
    $b = Ketama\Continuum::fromFile($file);          // freed by ketama_destroy
    ketama_get_server("k$i", $b);
    ketama_destroy($b);
    $c = ketama_roll($file);                         // freed by its last reference
    $c->points();
    try {
        new Ketama\Continuum(['a' => PHP_INT_MAX, 'b' => PHP_INT_MAX, 'c' => 2]); // refused
    } catch (Ketama\Exception $e) {
    }
}

for ($i = 0; $i < ($valgrind ? 10 : 1000); $i++) { // warm up: allocator pools, the library's file cache
    round_trip($i, $file, $servers);
}
gc_collect_cycles();
$mem = memory_get_usage();
$rss = rss_kib();
for ($i = 0; $i < $rounds; $i++) {
    round_trip($i, $file, $servers);
}
gc_collect_cycles();
$mem_growth = memory_get_usage() - $mem;
$rss_growth = rss_kib() - $rss;
// A lost continuum a round would be some 10 KiB each, 1 GB over 100,000 rounds; the smallest
// lost PHP allocation (8 bytes) 800 KB. What may move is one-off (an allocator's bookkeeping).
check($valgrind || $mem_growth < 16384, "memory_get_usage grew by $mem_growth bytes over $rounds rounds");
check($valgrind || $rss_growth < 1024, "RSS grew by $rss_growth KiB over $rounds rounds");
echo "$rounds rounds of 4 continua: memory_get_usage under +16 KiB, RSS under +1 MiB\n";
?>
--EXPECTF--
%d rounds of 4 continua: memory_get_usage under +16 KiB, RSS under +1 MiB
