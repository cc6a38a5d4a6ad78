<?php
$ketama = new Ketama\Continuum([
    '10.0.1.1:11211' => 600,
    '10.0.1.2:11211' => 300,
    '[2001:db8::7]:11211' => 200,
]);
foreach (['user:1234', 'session:af93', 'greeting'] as $key) {
    echo $key, ' -> ', $ketama->server($key), "\n";
}
