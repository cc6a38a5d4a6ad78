--TEST--
Under strict_types the methods take only strings as keys; servers() takes ints as it always does
--FILE--
<?php
declare(strict_types=1);
require __DIR__ . '/ketama_test.inc';

$c = new Ketama\Continuum(['10.0.1.1:11211' => 600, '10.0.1.2:11211' => 300]);
attempt(fn () => $c->server(42));
attempt(fn () => $c->index(4.2));
attempt(fn () => ketama_get_server(42, $c));
var_dump($c->servers([42]) === [$c->server('42')]);
?>
--EXPECT--
TypeError: Ketama\Continuum::server(): Argument #1 ($key) must be of type string, int given
TypeError: Ketama\Continuum::index(): Argument #1 ($key) must be of type string, float given
TypeError: ketama_get_server(): Argument #1 ($key) must be of type string, int given
bool(true)
