--TEST--
php-fpm: workers forked again and again each roll, look up and build; per-request continua are freed
--SKIPIF--
<?php
// php/run-tests.sh names the php-fpm of the PHP under test, installed or not.
$fpm = (string) getenv('KETAMA_PHP_FPM');
if (!is_executable($fpm)) die("skip php-fpm is not installed ($fpm; Debian: php-fpm, which make deps installs)");
if (!is_file((string) getenv('KETAMA_EXT'))) die('skip the built extension: run through php/run-tests.sh (make php-test)');
if (!is_executable('/usr/bin/cgi-fcgi')) die('skip cgi-fcgi is not installed (Debian: libfcgi-bin, which make deps installs)');
if (getenv('USE_ZEND_ALLOC') === '0') die('skip under valgrind: the extension runs in php-fpm, which it does not trace');
?>
--FILE--
<?php
require __DIR__ . '/ketama_test.inc';

// Everything the workers read is copied to a scratch directory: as root, php-fpm runs as
// nobody (see below), who may not read the source tree.
$dir = sys_get_temp_dir() . '/ketama-fpm-' . getmypid();
mkdir($dir);
chmod($dir, 0777);
$ext = getenv('KETAMA_EXT');
$lib = trim((string) shell_exec('ldd ' . escapeshellarg($ext) . " | sed -n 's/.*libketama[.]so[.]1 => \\([^ ]*\\).*/\\1/p'"));
check(is_file($lib), "the extension's libketama.so.1: '$lib'");
copy($ext, "$dir/ketama.so");
copy($lib, "$dir/libketama.so.1");
$file = "$dir/lastfm8.servers";
copy(fixture_dir() . '/lastfm8.servers', $file);
$pairs = [['10.0.1.1:11211', 600], ['10.0.1.2:11211', 300], ['[2001:db8::7]:11211', 200]];
$keys = array_map('strval', range(0, 199));

// What a request does: roll, look up (both APIs), build from an array; then build `rounds`
// continua more and keep them until the request ends, which must free them.
file_put_contents("$dir/worker.php", <<<'PHP'
<?php
$keys = array_map('strval', range(0, 199));
$pairs = json_decode($_SERVER['KETAMA_PAIRS'], true);
$c = ketama_roll($_SERVER['KETAMA_FILE']);
$old = [];
foreach ($keys as $k) {
    $m = ketama_get_server($k, $c);
    $old[] = "{$m['point']} {$m['ip']}";
}
$kept = [];
for ($i = 0; $i < (int) $_SERVER['KETAMA_ROUNDS']; $i++) {
    $kept[] = new Ketama\Continuum($pairs);
}
preg_match('/^VmRSS:\s+(\d+)/m', file_get_contents('/proc/self/status'), $rss);
echo json_encode([
    'pid' => getmypid(),
    'old' => md5(implode("\n", $old)),
    'new' => md5(implode("\n", Ketama\Continuum::fromFile($_SERVER['KETAMA_FILE'])->servers($keys))),
    'made' => md5(implode("\n", (new Ketama\Continuum($pairs))->servers($keys))),
    'error' => ketama_error(),
    'rss' => (int) $rss[1],
    'mem' => memory_get_usage(),
]);
PHP);
// The master rolls the file before it forks, as pre-fork servers do, and workers then roll it
// through the library state they inherit: opcache preloading runs PHP in the master (when the
// master is not root: as root it preloads in a child of its own, hence nobody).
file_put_contents("$dir/preload.php",
    "<?php ketama_roll(getenv('KETAMA_FILE'))->server('k');\nfile_put_contents('$dir/preload.pid', getmypid());\n");

// What C answers.
$old = $new = $made = [];
foreach (oracle_lookup([$file], $keys) as $a) {
    $old[] = "{$a['point']} {$a['ip']}";
    $new[] = $a['server'];
}
foreach (oracle_lookup(array_source($pairs), $keys) as $a) {
    $made[] = $a['server'];
}
$want = ['old' => md5(implode("\n", $old)), 'new' => md5(implode("\n", $new)),
    'made' => md5(implode("\n", $made)), 'error' => ''];

// Two pools: "fork" recycles a worker every 3 requests (a fork each time), "steady" keeps one.
[$fork_port, $steady_port] = free_ports(2);
file_put_contents("$dir/fpm.conf", <<<CONF
[global]
pid = $dir/fpm.pid
error_log = $dir/fpm.log
daemonize = no
[fork]
listen = 127.0.0.1:$fork_port
pm = dynamic
pm.max_children = 4
pm.start_servers = 2
pm.min_spare_servers = 1
pm.max_spare_servers = 3
pm.max_requests = 3
clear_env = no
[steady]
listen = 127.0.0.1:$steady_port
pm = static
pm.max_children = 1
pm.max_requests = 0
clear_env = no
CONF);
$fpm = [getenv('KETAMA_PHP_FPM'), '-n', '-F', '-y', "$dir/fpm.conf", '-d', "extension=$dir/ketama.so"];
if (trim((string) shell_exec('id -u')) === '0') {
    $fpm = array_merge(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'], $fpm);
}
$opcache = ini_get('extension_dir') . '/opcache.so';
if (is_file($opcache)) {
    $fpm = array_merge($fpm, ['-d', "zend_extension=$opcache", '-d', 'opcache.enable=1',
        '-d', "opcache.preload=$dir/preload.php"]);
}
putenv("KETAMA_FILE=$file");
putenv("LD_LIBRARY_PATH=$dir");
$children = new Children();
$children->start($fpm, "$dir/fpm.out");
wait_for_port($fork_port);
wait_for_port($steady_port);
putenv('LD_LIBRARY_PATH');
echo 'the master rolled the file before forking: ', !is_file($opcache) ? 'skipped (no opcache)'
    : (file_get_contents("$dir/preload.pid") === file_get_contents("$dir/fpm.pid") ? 'yes' : 'no'), "\n";

/**
 * Sends `$count` requests to `$port`, `$parallel` at a time, each given 10 seconds: the
 * decoded answers, and how many hung (killed at their deadline).
 */
function requests(string $dir, int $port, int $count, int $parallel, array $env): array
{
    $env = array_merge(getenv(), $env, ['SCRIPT_FILENAME' => "$dir/worker.php",
        'REQUEST_METHOD' => 'GET']);
    $answers = [];
    $hung = 0;
    $running = [];
    $next = 0;
    while ($next < $count || $running) {
        while ($next < $count && count($running) < $parallel) {
            $out = "$dir/out.$next";
            $running[$next] = [proc_open(['/usr/bin/cgi-fcgi', '-bind', '-connect', "127.0.0.1:$port"],
                [0 => ['file', '/dev/null', 'r'], 1 => ['file', $out, 'w'], 2 => ['file', $out, 'a']],
                $pipes, null, $env), $out, microtime(true) + 10];
            $next++;
        }
        foreach ($running as $i => [$proc, $out, $deadline]) {
            $status = proc_get_status($proc);
            if ($status['running'] && microtime(true) < $deadline) {
                continue;
            }
            if ($status['running']) {
                $hung++;
                proc_terminate($proc, 9);
            }
            proc_close($proc);
            $body = substr((string) file_get_contents($out), (int) strpos((string) file_get_contents($out), "\r\n\r\n") + 4);
            $answers[$i] = json_decode($body, true) ?? ['garbage' => $body];
            unlink($out);
            unset($running[$i]);
        }
        usleep(2000);
    }
    ksort($answers);
    return [$answers, $hung];
}

$env = ['KETAMA_FILE' => $file, 'KETAMA_PAIRS' => json_encode($pairs)];
[$answers, $hung] = requests($dir, $fork_port, 90, 4, $env + ['KETAMA_ROUNDS' => '10']);
$right = count(array_filter($answers, fn ($a) => array_intersect_key($a, $want) == $want));
$pids = count(array_unique(array_column($answers, 'pid')));
echo "fork pool: $right of 90 requests answered as C does, $hung hung, ",
    $pids >= 25 ? 'over 25' : $pids, " workers\n";
if ($right !== 90) {
    var_dump(array_filter($answers, fn ($a) => array_intersect_key($a, $want) != $want));
}

// One worker, 250 requests of 400 continua left for the request's end to free: 100,000.
[$answers, $hung] = requests($dir, $steady_port, 250, 1, $env + ['KETAMA_ROUNDS' => '400']);
$right = count(array_filter($answers, fn ($a) => array_intersect_key($a, $want) == $want));
$pids = count(array_unique(array_column($answers, 'pid')));
$rss = array_column($answers, 'rss');
$mem = array_slice(array_column($answers, 'mem'), 50);
$rss_growth = $rss[249] - $rss[49];
$mem_spread = max($mem) - min($mem);
echo "steady pool: $right of 250 requests answered as C does, $hung hung, $pids worker\n";
check($rss_growth < 1024, "the worker's RSS grew by $rss_growth KiB from request 50 to 250");
check($mem_spread < 16384, "memory_get_usage at the end of a request moved by $mem_spread bytes");
echo "100,000 continua freed by their requests' end: RSS and memory_get_usage stay put\n";

$children->stopAll();
// A worker that crashed or failed is logged as such (busy-pool warnings are not failures).
$log = file_get_contents("$dir/fpm.log");
check(!preg_match('/exited on signal|exited with code [1-9]|ERROR/', $log), "php-fpm's log: $log");
array_map('unlink', glob("$dir/*"));
rmdir($dir);
?>
--EXPECTF--
the master rolled the file before forking: %r(yes|skipped \(no opcache\))%r
fork pool: 90 of 90 requests answered as C does, 0 hung, over 25 workers
steady pool: 250 of 250 requests answered as C does, 0 hung, 1 worker
100,000 continua freed by their requests' end: RSS and memory_get_usage stay put
