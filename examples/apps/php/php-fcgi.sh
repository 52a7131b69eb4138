#!/bin/sh
# Stoker fixture launcher: php-cgi on the inherited fd-0 socket. php-cgi has no "fail at start"
# of its own (it starts fine and fails per request), so CRASH_ON_START=1 runs a fataling script.
set -eu
here=${0%/*} # no dirname: the app env may be minimal
if [ "${CRASH_ON_START:-}" = "1" ]; then
  # stdin is /dev/null, not the socket: php-cgi then runs the script once (CGI mode) and exits 255.
  exec /usr/bin/php-cgi -q -d display_errors=0 -d log_errors=1 -d html_errors=0 -f "$here/crash-on-start.php" </dev/null
fi
exec /usr/bin/php-cgi "$@"
