--TEST--
Flavors misused: an unknown name is a ValueError listing the valid ones, what a flavor's client cannot count is Ketama\Exception, and nothing crashes
--FILE--
<?php
require __DIR__ . '/ketama_test.inc';

$names = implode(', ', array_keys(Ketama\flavors()));
$servers = ['127.0.0.1:11211' => 3, '127.0.0.2:11211' => 1];

// Prints what `$f` throws, the list of names shortened to <the flavors> once checked whole.
function refused(callable $f): void
{
    global $names;
    try {
        $f();
        echo "ok\n";
    } catch (Throwable $e) {
        $message = $e->getMessage();
        if (str_contains($message, 'must be a flavor')) {
            check(str_contains($message, "must be a flavor ($names; Ketama\\flavors() names their clients)"),
                "the names in: $message");
            $message = str_replace($names, '<the flavors>', $message);
        }
        echo get_class($e), ': ', $message, "\n";
    }
}

echo "-- names\n";
foreach (['bogus', '', 'LIBKETAMA', 'libmemcached ', 'twemproxy:', 'twemproxy:md6', str_repeat('x', 100)] as $flavor) {
    refused(fn () => new Ketama\Continuum($servers, $flavor));
}
refused(fn () => new Ketama\Continuum($servers, "dalli\0"));
refused(fn () => new Ketama\Continuum($servers, []));
refused(fn () => new Ketama\Continuum($servers, 'dalli', 1));
refused(fn () => Ketama\Continuum::fromFile(fixture_dir() . '/lastfm4.servers', 'bogus'));
refused(fn () => Ketama\Continuum::fromFile(fixture_dir() . '/lastfm4.servers', "x\0"));
// The path is checked first, then the flavor, then the file.
refused(fn () => Ketama\Continuum::fromFile('', 'bogus'));
refused(fn () => Ketama\Continuum::fromFile('/nonexistent/servers', 'dalli'));
// An unknown flavor is no refusal of the library: ketama_error() keeps what it said last.
var_dump(ketama_error());
refused(fn () => Ketama\flavors(1));
// Aliases the library takes.
foreach (['php-memcached', 'nutcracker', 'twemproxy:fnv1a_64', 'spy', 'nginx-hash-consistent'] as $alias) {
    refused(fn () => print((new Ketama\Continuum($servers, $alias))->flavor() . ' '));
}

echo "-- what a flavor's client cannot take: Ketama\\Exception, as ketama_error()\n";
refused(fn () => new Ketama\Continuum([str_repeat('h', 1100) . ':11211' => 1], 'libmemcached'));
var_dump(ketama_error() !== '');
refused(fn () => new Ketama\Continuum(['a:1' => 5000000000, 'b:1' => 5], 'libmemcached'));
refused(fn () => new Ketama\Continuum(['a:1' => PHP_INT_MAX, 'b:1' => 5], 'pecl-memcache'));
refused(fn () => new Ketama\Continuum(['a:1' => 0], 'dalli'));
$c = new Ketama\Continuum($servers, 'dalli');
var_dump(ketama_error());

echo "-- a destroyed flavored continuum\n";
ketama_destroy($c);
refused(fn () => $c->flavor());
refused(fn () => $c->serverList());
refused(fn () => $c->server('k'));
$d = new Ketama\Continuum($servers, 'twemproxy');
refused(fn () => $d->__construct($servers, 'dalli'));
var_dump($d->flavor());
?>
--EXPECT--
-- names
ValueError: Ketama\Continuum::__construct(): Argument #2 ($flavor) must be a flavor (<the flavors>; Ketama\flavors() names their clients), "bogus" given
ValueError: Ketama\Continuum::__construct(): Argument #2 ($flavor) must be a flavor (<the flavors>; Ketama\flavors() names their clients), "" given
ValueError: Ketama\Continuum::__construct(): Argument #2 ($flavor) must be a flavor (<the flavors>; Ketama\flavors() names their clients), "LIBKETAMA" given
ValueError: Ketama\Continuum::__construct(): Argument #2 ($flavor) must be a flavor (<the flavors>; Ketama\flavors() names their clients), "libmemcached " given
ValueError: Ketama\Continuum::__construct(): Argument #2 ($flavor) must be a flavor (<the flavors>; Ketama\flavors() names their clients), "twemproxy:" given
ValueError: Ketama\Continuum::__construct(): Argument #2 ($flavor) must be a flavor (<the flavors>; Ketama\flavors() names their clients), "twemproxy:md6" given
ValueError: Ketama\Continuum::__construct(): Argument #2 ($flavor) must be a flavor (<the flavors>; Ketama\flavors() names their clients), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..." given
ValueError: Ketama\Continuum::__construct(): Argument #2 ($flavor) must not contain any null bytes
TypeError: Ketama\Continuum::__construct(): Argument #2 ($flavor) must be of type string, array given
ArgumentCountError: Ketama\Continuum::__construct() expects at most 2 arguments, 3 given
ValueError: Ketama\Continuum::fromFile(): Argument #2 ($flavor) must be a flavor (<the flavors>; Ketama\flavors() names their clients), "bogus" given
ValueError: Ketama\Continuum::fromFile(): Argument #2 ($flavor) must not contain any null bytes
ValueError: Ketama\Continuum::fromFile(): Argument #1 ($path) cannot be empty
Ketama\Exception: cannot open server file /nonexistent/servers: No such file or directory
string(71) "cannot open server file /nonexistent/servers: No such file or directory"
ArgumentCountError: Ketama\flavors() expects exactly 0 arguments, 1 given
php-memcached ok
nutcracker ok
twemproxy:fnv1a_64 ok
spy ok
nginx-hash-consistent ok
-- what a flavor's client cannot take: Ketama\Exception, as ketama_error()
Ketama\Exception: create_ketama_flavor: server 0 has a name of more than 1024 bytes, more than its client takes
bool(true)
Ketama\Exception: create_ketama_flavor: the weights add up to more than 4294967295, the most this flavor's client counts
Ketama\Exception: create_ketama_flavor: the weights add up to more than 115292150460684697, the most this flavor's client counts
ValueError: Ketama\Continuum::__construct(): Argument #1 ($servers) must contain weights greater than 0, 0 given for "a:1"
string(0) ""
-- a destroyed flavored continuum
Error: Ketama\Continuum has been destroyed
Error: Ketama\Continuum has been destroyed
Error: Ketama\Continuum has been destroyed
Error: Cannot call constructor twice
string(9) "twemproxy"
