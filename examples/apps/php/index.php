<?php
// Stoker fixture: answers every request with one line naming the language, the pid and APP_VERSION.
// php-cgi runs it per request (SCRIPT_FILENAME points here); the pid shows which process answered.
header('Content-Type: text/plain; charset=utf-8');
$version = getenv('APP_VERSION');
echo 'hello from php pid=' . getmypid() . ' version=' . ($version === false || $version === '' ? 'dev' : $version) . "\n";
