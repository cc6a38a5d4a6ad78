--TEST--
The documented examples (php/examples): what they print is what the C library answers
--FILE--
<?php
require __DIR__ . '/ketama_test.inc';

$examples = ketama_root() . '/php/examples';
$page = file_get_contents(ketama_root() . '/docs/php.md');
$readme = file_get_contents(ketama_root() . '/README.md');

// The old-style script reads the server file beside it, from any working directory; that
// file is last.fm's (php/deb-test.sh compares with the fixture's answers).
check(file_get_contents("$examples/ketama.servers") === file_get_contents(fixture_dir() . '/lastfm8.servers'),
    'php/examples/ketama.servers is not lastfm8.servers');
$cwd = getcwd();
chdir(sys_get_temp_dir());
ob_start();
include "$examples/old_style.php";
$out = ob_get_clean();
chdir($cwd);
$want = '';
foreach (oracle_lookup(["$examples/ketama.servers"], range(0, 4)) as $i => $m) {
    $want .= "Key $i is mapped to server {$m['ip']} at point: {$m['point']}\n";
}
$want .= "Finished\n";
check($out === $want, "old_style.php printed\n$out\nC says\n$want");
echo $out;

// The modern one: its servers, its keys, the file it fails to read.
ob_start();
include "$examples/modern.php";
$out = ob_get_clean();
$pairs = [['10.0.1.1:11211', 600], ['10.0.1.2:11211', 300], ['[2001:db8::7]:11211', 200]];
$keys = ['user:1234', 'session:af93', 'greeting'];
$cart = ['cart:17', 'cart:18', 'cart:19', 'cart:20'];
$answers = oracle_lookup(array_source($pairs), array_merge($keys, $cart));
$want = '';
foreach ($keys as $i => $key) {
    $want .= "$key -> {$answers[$i]['server']}\n";
}
$groups = [];
foreach ($cart as $i => $key) {
    $groups[$answers[count($keys) + $i]['server']][] = $key;
}
ksort($groups);
foreach ($groups as $server => $its) {
    $want .= "$server: " . implode(' ', $its) . "\n";
}
$want .= 'refused: ' . oracle_roll(['/nonexistent/memcached.servers'])[1] . "\n";
check($out === $want, "modern.php printed\n$out\nC says\n$want");
echo $out;

// README.md's short one prints what the C example of the in-memory API prints.
ob_start();
include "$examples/quick.php";
$out = ob_get_clean();
check($out === file_get_contents(ketama_root() . '/c-tests/example_api.expected'), "quick.php printed\n$out");

// The pages show these very files.
foreach (['old_style.php', 'modern.php', 'quick.php'] as $f) {
    check(str_contains($page, "```php\n" . file_get_contents("$examples/$f") . "```\n"), "docs/php.md shows $f");
}
check(str_contains($readme, "```php\n" . file_get_contents("$examples/quick.php") . "```\n"), 'README.md shows quick.php');
?>
--EXPECTF--
Key 0 is mapped to server 10.0.1.1:11211 at point: 2217271743
Key 1 is mapped to server 10.0.1.5:11211 at point: 949045552
Key 2 is mapped to server 10.0.1.6:11211 at point: 2374693370
Key 3 is mapped to server 10.0.1.6:11211 at point: 2130338203
Key 4 is mapped to server 10.0.1.7:11211 at point: 2051996197
Finished
user:1234 -> [2001:db8::7]:11211
session:af93 -> 10.0.1.2:11211
greeting -> 10.0.1.1:11211
10.0.1.1:11211: cart:18
10.0.1.2:11211: cart:17
[2001:db8::7]:11211: cart:19 cart:20
refused: cannot open server file /nonexistent/memcached.servers: %s
