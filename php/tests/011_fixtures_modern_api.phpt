--TEST--
Ketama\Continuum on every fixture: fromFile() and the same servers as an array give C's answers
--FILE--
<?php
require __DIR__ . '/ketama_test.inc';

$keys = fixture_keys();
$rolled = $refused = $lookups = 0;
foreach (fixtures() as $name => $path) {
    [$ok, $error] = oracle_roll([$path]);
    try {
        $c = Ketama\Continuum::fromFile($path);
    } catch (Ketama\Exception $e) {
        check(!$ok, "$name: C rolls it, PHP threw: {$e->getMessage()}");
        check($e->getMessage() === $error, "$name: PHP says '{$e->getMessage()}', C says '$error'");
        $refused++;
        continue;
    }
    check($ok, "$name: PHP rolls it, C refuses it: $error");

    // The servers as C lists them (ketama_server_at), then built from a PHP array both ways.
    $servers = oracle_servers([$path]);
    check(count($c) === count($servers), "$name: count() " . count($c) . ' of ' . count($servers));
    $pairs = array_map(fn ($s) => [$s[0], $s[1]], $servers);
    $built = new Ketama\Continuum($pairs);
    $map = [];
    foreach ($pairs as [$addr, $weight]) {
        $map[$addr] = $weight;
    }
    $by_map = count($map) === count($pairs) ? new Ketama\Continuum($map) : null; // duplicates

    $from_file = oracle_lookup([$path], $keys);
    $from_array = oracle_lookup(array_source($pairs), $keys);
    $batch = $c->servers($keys);
    check(array_keys($batch) === array_keys($keys), "$name: servers() keeps the keys");
    foreach ($keys as $i => $key) {
        $want = $from_file[$i];
        check($c->index($key) === $want['index'], "$name: index of key $i");
        check($c->server($key) === $want['server'], "$name: server of key $i");
        check($batch[$i] === $want['server'], "$name: servers() of key $i");
        check($built->index($key) === $from_array[$i]['index'], "$name: array: index of key $i");
        check($built->server($key) === $from_array[$i]['server'], "$name: array: server of key $i");
        check($by_map === null || $by_map->server($key) === $want['server'], "$name: map: key $i");
        $lookups++;
    }
    check($built->servers($keys) === $batch, "$name: the array's batch");

    // points() is C's point array, with each point's server (ketama_point_server).
    check($c->points() === oracle_points([$path]), "$name: points() differs from C's");
    check($built->points() === oracle_points(array_source($pairs)), "$name: the array's points");
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
