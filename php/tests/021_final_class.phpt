--TEST--
Ketama\Continuum is final: a subclass is a compile error, not a half-built continuum
--FILE--
<?php
class MyContinuum extends Ketama\Continuum
{
}
?>
--EXPECTF--
Fatal error: Class MyContinuum cannot extend final class Ketama\Continuum in %s on line %d
