--TEST--
php_ketama's API on every fixture: the C library's answers for every key, its printout, its errors
--FILE--
<?php
require __DIR__ . '/ketama_test.inc';

$keys = fixture_keys();
$wanted = array_flip($keys);
$rolled = $refused = $lookups = 0;
foreach (fixtures() as $name => $path) {
    [$ok, $error] = oracle_roll([$path]);
    try {
        $c = ketama_roll($path);
    } catch (Ketama\Exception $e) {
        check(!$ok, "$name: C rolls it, PHP threw: {$e->getMessage()}");
        check($e->getMessage() === $error, "$name: PHP says '{$e->getMessage()}', C says '$error'");
        check(ketama_error() === $error, "$name: ketama_error() is '" . ketama_error() . "'");
        $refused++;
        continue;
    }
    check($ok, "$name: PHP rolls it, C refuses it: $error");
    check(ketama_error() === '', "$name: ketama_error() after a roll");

    $c_answers = oracle_lookup([$path], $keys);
    // The original's answers (the fixture) too: key, hash, point, ip per line.
    $original = [];
    foreach (file(fixture_dir() . "/$name.expected", FILE_IGNORE_NEW_LINES) as $line) {
        $f = explode("\t", $line);
        if ($f[0] === 'key' && isset($wanted[$f[1]])) {
            $original[] = ['point' => (int) $f[3], 'ip' => $f[4] ?? ''];
        }
    }
    check(count($original) === count($keys), "$name: the fixture's keys");
    foreach ($keys as $i => $key) {
        $m = ketama_get_server($key, $c);
        $want = ['point' => $c_answers[$i]['point'], 'ip' => $c_answers[$i]['ip']];
        check($m === $want, "$name: key '$key': PHP " . json_encode($m) . ', C ' . json_encode($want));
        check($m === $original[$i], "$name: key '$key' differs from the original libketama");
        $lookups++;
    }
    ob_start();
    ketama_print_continuum($c);
    $printed = ob_get_clean();
    check($printed === oracle(['print', $path]), "$name: ketama_print_continuum differs from C's");
    ketama_destroy($c);
    $rolled++;
}
// Every fixture was seen: as many rolled as the original rolled (roll 1 in the fixture).
$original_rolls = count(array_filter(fixtures(), fn ($path) => str_starts_with(
    file_get_contents(substr($path, 0, -strlen('.servers')) . '.expected'), "roll\t1")));
check($rolled === $original_rolls && $rolled + $refused === count(fixtures()), "$rolled rolled, $refused refused");
check($lookups === $rolled * count($keys), "$lookups lookups");
echo "every fixture: rolled or refused as C does, every key's answer C's\n";
?>
--EXPECT--
every fixture: rolled or refused as C does, every key's answer C's
