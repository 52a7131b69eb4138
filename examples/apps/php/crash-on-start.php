<?php
// Stoker fixture: the CRASH_ON_START=1 path of php-fcgi.sh. A real uncaught PHP exception, so
// the crash looks exactly like a broken app: "PHP Fatal error: Uncaught ..." on stderr, exit 255.
throw new RuntimeException('CRASH_ON_START=1: this fixture refuses to start');
