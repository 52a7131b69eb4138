#!/usr/bin/env bash
# Installs the Debian packages the tests use (real web servers, FastCGI apps, Chromium, PostgreSQL), if missing.
set -euo pipefail
declare -A NEED=(
  [nginx]=nginx-light [lighttpd]=lighttpd [apache2ctl]=apache2 [php-cgi]=php-cgi
  [uwsgi]="uwsgi-core uwsgi-plugin-python3 python3-flask" [cgi-fcgi]=libfcgi-bin
  [supervisord]=supervisor [wrk]=wrk [chromium]=chromium [spawn-fcgi]=spawn-fcgi
  [certbot]=certbot [pebble]=pebble [php-fpm8.2]=php-fpm [systemd-analyze]=systemd
)
missing=()
for bin in "${!NEED[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin" command -v "$bin" >/dev/null 2>&1 || missing+=(${NEED[$bin]})
done
perl -MFCGI -e1 2>/dev/null || missing+=(libfcgi-perl)
[ -e /usr/lib/uwsgi/plugins/python3_plugin.so ] || missing+=(uwsgi-plugin-python3)
python3 -c 'import flask' 2>/dev/null || missing+=(python3-flask)
# lighttpd's TLS module is a package of its own (the TLS site tests load it).
[ -e /usr/lib/lighttpd/mod_openssl.so ] || missing+=(lighttpd-mod-openssl)
# PostgreSQL's server binaries (initdb, pg_ctl): the `pg` test project starts its own cluster.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps the packages' own services from starting: tests start their own servers.
  [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
