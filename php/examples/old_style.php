<?php
// A php_ketama script of the PHP 5 days: the functions, arguments and results are the same;
// the continuum is now an object instead of a resource. The server file is the one beside
// the script (last.fm's eight servers), wherever PHP runs it from.
$continuum = ketama_roll(__DIR__ . "/ketama.servers");
if (!$continuum) {
    die("Continuum doesn't exist!\n");
}

for ($i = 0; $i < 5; $i++) {
    $server = ketama_get_server($i, $continuum);
    echo "Key " . $i . " is mapped to server " . $server["ip"] . " at point: " . $server["point"] . "\n";
}

ketama_destroy($continuum);
echo "Finished\n";
