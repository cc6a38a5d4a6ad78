--TEST--
Misuse gives PHP's errors, never a crash: wrong types, bad servers, a destroyed continuum, copies
--FILE--
<?php
require __DIR__ . '/ketama_test.inc';

$file = fixture_dir() . '/lastfm4.servers';
$c = ketama_roll($file);
$fh = fopen(__FILE__, 'r');

echo "-- arguments of the old functions\n";
attempt(fn () => ketama_roll([]));
attempt(fn () => ketama_roll("lastfm4\0.servers"));
attempt(fn () => ketama_roll(''));
attempt(fn () => ketama_get_server('k', 'not a continuum'));
attempt(fn () => ketama_get_server('k', $fh));
attempt(fn () => ketama_get_server('k', new stdClass()));
attempt(fn () => ketama_get_server([], $c));
attempt(fn () => ketama_get_server('k'));
attempt(fn () => ketama_print_continuum(null));
attempt(fn () => ketama_destroy($fh));
attempt(fn () => ketama_error('x'));
var_dump(ketama_get_server(1234, $c) === ketama_get_server('1234', $c)); // as php_ketama's tests did

echo "-- arguments of the methods\n";
attempt(fn () => $c->server([]));
attempt(fn () => $c->index(new stdClass()));
attempt(fn () => $c->servers('k'));
attempt(fn () => $c->servers(['a', 1.5]));
attempt(fn () => $c->servers(['a', null]));
attempt(fn () => $c->servers([['a']]));
attempt(fn () => $c->servers([new stdClass()]));
attempt(fn () => $c->points(1));
attempt(fn () => Ketama\Continuum::fromFile([]));
attempt(fn () => Ketama\Continuum::fromFile("a\0b"));
attempt(fn () => Ketama\Continuum::fromFile(''));

echo "-- servers the constructor refuses\n";
attempt(fn () => new Ketama\Continuum('10.0.0.1:11211'));
attempt(fn () => new Ketama\Continuum());
attempt(fn () => new Ketama\Continuum([]));
attempt(fn () => new Ketama\Continuum(['10.0.0.1:11211', '10.0.0.2:11211']));
attempt(fn () => new Ketama\Continuum([11211 => 100]));
attempt(fn () => new Ketama\Continuum(['10.0.0.1:11211' => 0]));
attempt(fn () => new Ketama\Continuum(['10.0.0.1:11211' => -600]));
attempt(fn () => new Ketama\Continuum(['10.0.0.1:11211' => PHP_INT_MIN]));
attempt(fn () => new Ketama\Continuum(['10.0.0.1:11211' => 1.5]));
attempt(fn () => new Ketama\Continuum(['10.0.0.1:11211' => '600MB']));
attempt(fn () => new Ketama\Continuum(['10.0.0.1:11211' => '99999999999999999999']));
attempt(fn () => new Ketama\Continuum(['10.0.0.1:11211' => null]));
attempt(fn () => new Ketama\Continuum(['10.0.0.1:11211' => true]));
attempt(fn () => new Ketama\Continuum([str_repeat('n', 100) => 0]));
attempt(fn () => new Ketama\Continuum([['10.0.0.1:11211']]));
attempt(fn () => new Ketama\Continuum([['10.0.0.1:11211', 1, 2]]));
attempt(fn () => new Ketama\Continuum([['addr' => '10.0.0.1:11211', 'weight' => 1]]));
attempt(fn () => new Ketama\Continuum([[11211, 1]]));
attempt(fn () => new Ketama\Continuum([['', 1]]));
attempt(fn () => new Ketama\Continuum(["10.0.0.1\0:11211" => 1]));
attempt(fn () => new Ketama\Continuum([["10.0.0.1:11211\0", 1]]));
// Accepted: integer strings (ini files), references, both forms mixed.
$w = 300;
$ok = new Ketama\Continuum(['10.0.0.1:11211' => ' 600', 'b' => &$w, ['10.0.0.3:11211', '100']]);
var_dump(count($ok));

echo "-- what the library refuses: Ketama\\Exception with its message, as ketama_error()\n";
$max = [['a', PHP_INT_MAX], ['b', PHP_INT_MAX], ['c', PHP_INT_MAX]];
[, $c_error] = oracle_roll(array_source($max));
try {
    new Ketama\Continuum($max);
} catch (Ketama\Exception $e) {
    var_dump($e->getMessage() === $c_error, ketama_error() === $c_error, $e->getCode());
}
$too_many = [];
for ($i = 0; $i < 110000; $i++) {
    $too_many[] = ["10.$i:11211", 1];
}
[$built, $c_error] = oracle_roll(array_file_source($too_many));
try {
    new Ketama\Continuum($too_many);
} catch (Ketama\Exception $e) {
    var_dump($built, $e->getMessage() === $c_error);
}
unset($too_many);
foreach ([ketama_root(), ketama_root() . '/no such file', '/dev/null'] as $path) {
    [, $c_error] = oracle_roll([$path]);
    try {
        Ketama\Continuum::fromFile($path);
    } catch (Ketama\Exception $e) {
        var_dump($e->getMessage() === $c_error);
    }
}
var_dump(ketama_error() === $c_error);
attempt(fn () => new Ketama\Continuum([])); // argument errors leave ketama_error() alone
var_dump(ketama_error() === $c_error);
ketama_roll($file);
var_dump(ketama_error());

echo "-- a destroyed continuum\n";
$d = ketama_roll($file);
$server = $d->server('k');
ketama_destroy($d);
var_dump($server);
attempt(fn () => $d->server('k'));
attempt(fn () => $d->index('k'));
attempt(fn () => $d->servers(['k']));
attempt(fn () => $d->points());
attempt(fn () => count($d));
attempt(fn () => ketama_get_server('k', $d));
attempt(fn () => ketama_print_continuum($d));
attempt(fn () => ketama_destroy($d));
attempt(fn () => $d->__construct(['10.0.0.1:11211' => 1]));

echo "-- copies, comparison, properties\n";
attempt(fn () => clone $c);
attempt(fn () => serialize($c));
attempt(fn () => unserialize('O:16:"Ketama\Continuum":0:{}'));
attempt(fn () => var_export($c, true));
attempt(fn () => $c->x = 1);
attempt(fn () => $c->__construct(['10.0.0.1:11211' => 1]));
attempt(fn () => (new ReflectionClass(Ketama\Continuum::class))->newInstanceWithoutConstructor());
var_dump($c == ketama_roll($file), $c == $c, (array) $c, json_encode($c));
var_dump($c);
var_dump($c->server('k') === $server, count($c));
?>
--EXPECTF--
-- arguments of the old functions
TypeError: ketama_roll(): Argument #1 ($file) must be of type string, array given
ValueError: ketama_roll(): Argument #1 ($file) must not contain any null bytes
ValueError: ketama_roll(): Argument #1 ($file) cannot be empty
TypeError: ketama_get_server(): Argument #2 ($continuum) must be of type Ketama\Continuum, string given
TypeError: ketama_get_server(): Argument #2 ($continuum) must be of type Ketama\Continuum, resource given
TypeError: ketama_get_server(): Argument #2 ($continuum) must be of type Ketama\Continuum, stdClass given
TypeError: ketama_get_server(): Argument #1 ($key) must be of type string, array given
ArgumentCountError: ketama_get_server() expects exactly 2 arguments, 1 given
TypeError: ketama_print_continuum(): Argument #1 ($continuum) must be of type Ketama\Continuum, null given
TypeError: ketama_destroy(): Argument #1 ($continuum) must be of type Ketama\Continuum, resource given
ArgumentCountError: ketama_error() expects exactly 0 arguments, 1 given
bool(true)
-- arguments of the methods
TypeError: Ketama\Continuum::server(): Argument #1 ($key) must be of type string, array given
TypeError: Ketama\Continuum::index(): Argument #1 ($key) must be of type string, stdClass given
TypeError: Ketama\Continuum::servers(): Argument #1 ($keys) must be of type array, string given
TypeError: Ketama\Continuum::servers(): Argument #1 ($keys) must contain only strings and ints, float given
TypeError: Ketama\Continuum::servers(): Argument #1 ($keys) must contain only strings and ints, null given
TypeError: Ketama\Continuum::servers(): Argument #1 ($keys) must contain only strings and ints, array given
TypeError: Ketama\Continuum::servers(): Argument #1 ($keys) must contain only strings and ints, stdClass given
ArgumentCountError: Ketama\Continuum::points() expects exactly 0 arguments, 1 given
TypeError: Ketama\Continuum::fromFile(): Argument #1 ($path) must be of type string, array given
ValueError: Ketama\Continuum::fromFile(): Argument #1 ($path) must not contain any null bytes
ValueError: Ketama\Continuum::fromFile(): Argument #1 ($path) cannot be empty
-- servers the constructor refuses
TypeError: Ketama\Continuum::__construct(): Argument #1 ($servers) must be of type array, string given
ArgumentCountError: Ketama\Continuum::__construct() expects at least 1 argument, 0 given
ValueError: Ketama\Continuum::__construct(): Argument #1 ($servers) must not be empty
TypeError: Ketama\Continuum::__construct(): Argument #1 ($servers) must contain address => weight entries or [address, weight] pairs, string given
TypeError: Ketama\Continuum::__construct(): Argument #1 ($servers) must contain address => weight entries or [address, weight] pairs, int given
ValueError: Ketama\Continuum::__construct(): Argument #1 ($servers) must contain weights greater than 0, 0 given for "10.0.0.1:11211"
ValueError: Ketama\Continuum::__construct(): Argument #1 ($servers) must contain weights greater than 0, -600 given for "10.0.0.1:11211"
ValueError: Ketama\Continuum::__construct(): Argument #1 ($servers) must contain weights greater than 0, -9223372036854775808 given for "10.0.0.1:11211"
TypeError: Ketama\Continuum::__construct(): Argument #1 ($servers) must contain weights of type int, float given for "10.0.0.1:11211"
TypeError: Ketama\Continuum::__construct(): Argument #1 ($servers) must contain weights of type int, string given for "10.0.0.1:11211"
TypeError: Ketama\Continuum::__construct(): Argument #1 ($servers) must contain weights of type int, string given for "10.0.0.1:11211"
TypeError: Ketama\Continuum::__construct(): Argument #1 ($servers) must contain weights of type int, null given for "10.0.0.1:11211"
TypeError: Ketama\Continuum::__construct(): Argument #1 ($servers) must contain weights of type int, bool given for "10.0.0.1:11211"
ValueError: Ketama\Continuum::__construct(): Argument #1 ($servers) must contain weights greater than 0, 0 given for "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn..."
ValueError: Ketama\Continuum::__construct(): Argument #1 ($servers) must contain [address, weight] pairs of two elements
ValueError: Ketama\Continuum::__construct(): Argument #1 ($servers) must contain [address, weight] pairs of two elements
ValueError: Ketama\Continuum::__construct(): Argument #1 ($servers) must contain [address, weight] pairs of two elements
TypeError: Ketama\Continuum::__construct(): Argument #1 ($servers) must contain addresses of type string, int given
ValueError: Ketama\Continuum::__construct(): Argument #1 ($servers) must not contain an empty address
ValueError: Ketama\Continuum::__construct(): Argument #1 ($servers) must not contain addresses with null bytes
ValueError: Ketama\Continuum::__construct(): Argument #1 ($servers) must not contain addresses with null bytes
int(3)
-- what the library refuses: Ketama\Exception with its message, as ketama_error()
bool(true)
bool(true)
int(0)
bool(false)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
ValueError: Ketama\Continuum::__construct(): Argument #1 ($servers) must not be empty
bool(true)
string(0) ""
-- a destroyed continuum
string(14) "%s"
Error: Ketama\Continuum has been destroyed
Error: Ketama\Continuum has been destroyed
Error: Ketama\Continuum has been destroyed
Error: Ketama\Continuum has been destroyed
Error: Ketama\Continuum has been destroyed
Error: Ketama\Continuum has been destroyed
Error: Ketama\Continuum has been destroyed
Error: Ketama\Continuum has been destroyed
Error: Cannot call constructor twice
-- copies, comparison, properties
Error: Trying to clone an uncloneable object of class Ketama\Continuum
Exception: Serialization of 'Ketama\Continuum' is not allowed
Exception: Unserialization of 'Ketama\Continuum' is not allowed
ok
Error: Cannot create dynamic property Ketama\Continuum::$x
Error: Cannot call constructor twice
ReflectionException: Class Ketama\Continuum is an internal class marked as final that cannot be instantiated without invoking its constructor
bool(false)
bool(true)
array(0) {
}
string(2) "{}"
object(Ketama\Continuum)#%d (0) {
}
bool(true)
int(4)
