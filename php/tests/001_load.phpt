--TEST--
The extension: its functions and classes as the stub declares them, the arginfo made from this stub
--FILE--
<?php
require __DIR__ . '/ketama_test.inc';

// ketama_arginfo.h carries the hash of the stub it was generated from (gen_stub.php's own check).
$stub = file_get_contents(ketama_root() . '/php/ketama.stub.php');
preg_match('/Stub hash: ([0-9a-f]{40})/', file_get_contents(ketama_root() . '/php/ketama_arginfo.h'), $m);
var_dump($m[1] === sha1(str_replace("\r\n", "\n", $stub)));

// The extension's version is the library's, from Cargo.toml.
preg_match('/^version = "(.*)"/m', file_get_contents(ketama_root() . '/Cargo.toml'), $v);
var_dump(phpversion('ketama') === $v[1]);

$ext = new ReflectionExtension('ketama');
echo implode("\n", array_map(fn ($f) => (string) $f->getName() . '(' . implode(', ', array_map(
    fn ($p) => $p->getType() . ' $' . $p->getName(), $f->getParameters())) . '): ' . $f->getReturnType(),
    $ext->getFunctions())), "\n";
echo implode(', ', $ext->getClassNames()), "\n";

$c = new ReflectionClass(Ketama\Continuum::class);
var_dump($c->isFinal(), $c->implementsInterface(Countable::class), $c->isCloneable(),
    $c->getParentClass());
foreach ($c->getMethods() as $m) {
    echo ($m->isStatic() ? 'static ' : ''), $m->getName(), '(', implode(', ', array_map(
        fn ($p) => $p->getType() . ' $' . $p->getName()
            . ($p->isOptional() ? ' = ' . json_encode($p->getDefaultValue()) : ''),
        $m->getParameters())), ')', $m->hasReturnType() ? ': ' . $m->getReturnType() : '', "\n";
}
$e = new ReflectionClass(Ketama\Exception::class);
var_dump($e->getParentClass()->getName(), $e->isFinal());
?>
--EXPECT--
bool(true)
bool(true)
Ketama\flavors(): array
ketama_roll(string $file): Ketama\Continuum
ketama_get_server(string $key, Ketama\Continuum $continuum): array
ketama_print_continuum(Ketama\Continuum $continuum): void
ketama_destroy(Ketama\Continuum $continuum): void
ketama_error(): string
Ketama\Continuum, Ketama\Exception
bool(true)
bool(true)
bool(false)
bool(false)
__construct(array $servers, string $flavor = "libketama")
static fromFile(string $path, string $flavor = "libketama"): Ketama\Continuum
static fromMemcached(Memcached $memcached, array $servers = []): Ketama\Continuum
server(string $key): string
index(string $key): int
servers(array $keys): array
points(): array
count(): int
flavor(): string
serverList(): array
string(9) "Exception"
bool(false)
