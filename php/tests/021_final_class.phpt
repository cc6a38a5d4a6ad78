--TEST--
Ketama\Continuum is final: a subclass is a compile error, not a half-built continuum
--SKIPIF--
<?php if (getenv('USE_ZEND_ALLOC') === '0') die("skip under valgrind: PHP leaks a compile error's message itself"); ?>
--FILE--
<?php
class MyContinuum extends Ketama\Continuum
{
}
?>
--EXPECTF--
Fatal error: Class MyContinuum cannot extend final class Ketama\Continuum in %s on line %d
