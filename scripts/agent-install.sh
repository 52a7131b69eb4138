#!/bin/sh
# Installs the Stoker agent on this host from the control plane that served this script, enrolls it
# with a one-time join token and starts it. Served by GET /api/v1/agent/install.sh:
#   curl -fsSL URL/api/v1/agent/install.sh | sh -s -- JOIN_TOKEN [--prefix DIR] [--no-systemd] [--name NAME]
# Layout: PREFIX/releases/BUILD (the bundle), PREFIX/current -> releases/BUILD, PREFIX/state (host key,
# logs), PREFIX/data (sockets), PREFIX/install.env. Running it again installs the served build and
# restarts the agent (the host stays enrolled; its apps keep running).
set -eu

STOKER_URL='@@URL@@'
# One line per architecture this control plane serves: ARCH SHA256 BUILD
BUNDLES='@@BUNDLES@@'

PREFIX=/opt/stoker-agent
SYSTEMD=1
# Where systemd's units go, and the directory that exists while systemd runs: fixed on a real host;
# the installer's own test points them at temp dirs (with a systemctl stand-in) to run that branch.
UNIT_DIR=${STOKER_SYSTEMD_UNIT_DIR:-/etc/systemd/system}
SYSTEMD_RUNNING=${STOKER_SYSTEMD_RUNNING_DIR:-/run/systemd/system}
NAME=
TOKEN=

say() { printf '[stoker] %s\n' "$*"; }
die() {
  printf '[stoker] error: %s\n' "$*" >&2
  exit 1
}
usage() {
  cat <<USAGE
usage: install.sh JOIN_TOKEN [--prefix DIR] [--no-systemd] [--name NAME]
  JOIN_TOKEN     the one-time token from the dashboard (Hosts > Add host shows the whole command)
  --prefix DIR   where the agent goes (default /opt/stoker-agent)
  --no-systemd   write no systemd unit: start the agent in the background and say how to run it
  --name NAME    the host's name in the dashboard (default: this host's name)
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; PREFIX=$2; shift 2 ;;
    --prefix=*) PREFIX=${1#--prefix=}; shift ;;
    --name) [ $# -ge 2 ] || die "--name needs a value"; NAME=$2; shift 2 ;;
    --name=*) NAME=${1#--name=}; shift ;;
    --no-systemd) SYSTEMD=0; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; die "unknown option: $1" ;;
    *) [ -z "$TOKEN" ] || die "one join token, not two"; TOKEN=$1; shift ;;
  esac
done

# The arguments end up in a unit file and in argv: only characters that need no quoting there.
[ -n "$TOKEN" ] || { usage >&2; die "the join token is missing"; }
case "$TOKEN" in *[!A-Za-z0-9_-]*) die "that is not a join token (they use only letters, digits, _ and -): copy the command again" ;; esac
# Before anything is downloaded: a join token is stkj_ and 43 more characters (lib/hosts/join-tokens).
case "$TOKEN" in stkj_????????????????*) ;; *) die "that is not a join token (one starts with stkj_ and is about 48 characters long): copy the whole command from Hosts > Add host" ;; esac
case "$PREFIX" in /*) ;; *) die "--prefix must be an absolute path, not $PREFIX" ;; esac
case "$PREFIX" in *[!A-Za-z0-9/._-]*) die "--prefix may use only letters, digits and / . _ -" ;; esac
case "$PREFIX/" in */./* | */../*) die "--prefix may not contain . or .. parts" ;; esac
while [ "${PREFIX%/}" != "$PREFIX" ]; do PREFIX=${PREFIX%/}; done
[ -n "$PREFIX" ] || die "--prefix / would install into the root directory"
[ -n "$NAME" ] || NAME=$(hostname 2>/dev/null || uname -n)
case "$NAME" in "" | *[!A-Za-z0-9._-]*) die "--name may use only letters, digits and . _ - (got \"$NAME\")" ;; esac
[ ${#NAME} -le 63 ] || die "--name is longer than 63 characters"

[ "$(uname -s)" = Linux ] || die "the agent runs on Linux only"
case "$(uname -m)" in
  x86_64 | amd64) ARCH=x64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  *) die "no agent for this architecture ($(uname -m))" ;;
esac
NODE=$(command -v node) || die "Node.js 20 or newer is needed (Debian/Ubuntu: apt-get install nodejs)"
"$NODE" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || die "Node.js 20 or newer is needed; $NODE is $("$NODE" --version)"
case "$NODE" in *[!A-Za-z0-9/._-]*) die "the path of node ($NODE) has characters a unit file would need quoted" ;; esac
if [ "$SYSTEMD" = 1 ]; then
  [ "$(id -u)" = 0 ] || die "installing a systemd unit needs root (run with sudo, or pass --no-systemd)"
  command -v systemctl >/dev/null 2>&1 && [ -d "$SYSTEMD_RUNNING" ] || die "systemd does not run here: pass --no-systemd"
fi
if command -v curl >/dev/null 2>&1; then
  fetch() { curl -fsSL --retry 3 -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  fetch() { wget -q -O "$2" "$1"; }
else
  die "curl or wget is needed to download the agent"
fi
if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
  die "sha256sum (coreutils) is needed to check the download"
fi

LINE=$(printf '%s\n' "$BUNDLES" | while read -r a s b; do if [ "$a" = "$ARCH" ]; then printf '%s %s\n' "$s" "$b"; fi; done)
[ -n "$LINE" ] || die "this control plane serves no agent for linux-$ARCH"
SHA=${LINE%% *}
BUILD=${LINE#* }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
say "downloading the agent (build $BUILD, linux-$ARCH) from $STOKER_URL"
fetch "$STOKER_URL/api/v1/agent/bundle.tar.gz?arch=$ARCH" "$TMP/agent.tar.gz" || die "could not download the agent bundle"
GOT=$(sha256 "$TMP/agent.tar.gz")
[ "$GOT" = "$SHA" ] || die "checksum mismatch: expected $SHA, got $GOT (the control plane's agent changed meanwhile, or the download was altered): nothing was installed"

umask 022
mkdir -p "$PREFIX/releases" "$PREFIX/data"
mkdir -p -m 700 "$PREFIX/state"
rm -rf "$PREFIX/releases/.staging-$BUILD"
mkdir "$PREFIX/releases/.staging-$BUILD"
tar -xzf "$TMP/agent.tar.gz" -C "$PREFIX/releases/.staging-$BUILD" --no-same-owner
# Before it becomes current: the bundle's native modules must load on this host.
"$NODE" "$PREFIX/releases/.staging-$BUILD/agent.mjs" --version >/dev/null || die "the agent does not start on this host (its error is above)"
rm -rf "$PREFIX/releases/$BUILD"
mv "$PREFIX/releases/.staging-$BUILD" "$PREFIX/releases/$BUILD"
ln -sfn "releases/$BUILD" "$PREFIX/current"
cat >"$PREFIX/install.env" <<ENV
NODE_ENV=production
STOKER_DATA_DIR=$PREFIX/data
ENV
say "installed in $PREFIX/releases/$BUILD ($PREFIX/current)"

RUN="$NODE $PREFIX/current/agent.mjs run --state-dir $PREFIX/state"
if [ -f "$PREFIX/state/agent.json" ]; then
  say "this host is enrolled already ($PREFIX/state/agent.json): the join token is not used"
else
  STOKER_DATA_DIR="$PREFIX/data" NODE_ENV=production "$NODE" "$PREFIX/current/agent.mjs" enroll "$STOKER_URL" "$TOKEN" --name "$NAME" --state-dir "$PREFIX/state" ||
    die "enrollment failed (its reason is above); create a new join token under Hosts > Add host"
fi

if [ "$SYSTEMD" = 1 ]; then
  cat >"$UNIT_DIR/stoker-agent.service" <<UNIT
# Written by the Stoker agent installer. Stopping the agent never stops the apps (KillMode=process):
# the next agent adopts them.
[Unit]
Description=Stoker agent (supervises this host's FastCGI apps)
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=0

[Service]
Type=simple
EnvironmentFile=$PREFIX/install.env
ExecStart=$RUN
Restart=always
RestartSec=1s
KillMode=process
User=root

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload
  systemctl enable stoker-agent.service >/dev/null 2>&1
  systemctl restart stoker-agent.service
  say "started: systemctl status stoker-agent; its log: journalctl -u stoker-agent -f"
else
  cat >"$PREFIX/run-agent" <<RUNNER
#!/bin/sh
# Runs the Stoker agent in the foreground (for a supervisor of your choice). Written by install.sh.
set -eu
set -a
. "$PREFIX/install.env"
set +a
exec $RUN "\$@"
RUNNER
  chmod 755 "$PREFIX/run-agent"
  if [ -f "$PREFIX/agent.pid" ] && kill -0 "$(cat "$PREFIX/agent.pid")" 2>/dev/null; then
    say "stopping the agent that runs now (pid $(cat "$PREFIX/agent.pid")); its apps keep running"
    kill "$(cat "$PREFIX/agent.pid")"
    WAIT=--wait-lock
  else
    WAIT=
  fi
  # Its own session: it outlives this shell. The next agent waits for this one's lock if it must.
  if command -v setsid >/dev/null 2>&1; then
    setsid "$PREFIX/run-agent" ${WAIT:+$WAIT 30} </dev/null >>"$PREFIX/agent.log" 2>&1 &
  else
    nohup "$PREFIX/run-agent" ${WAIT:+$WAIT 30} </dev/null >>"$PREFIX/agent.log" 2>&1 &
  fi
  echo $! >"$PREFIX/agent.pid"
  say "started without systemd (pid $!, log $PREFIX/agent.log); nothing restarts it if it dies."
  say "to run it under your own supervisor instead: $PREFIX/run-agent (stop this one first: kill \$(cat $PREFIX/agent.pid))"
fi
say "this host appears under Hosts as \"$NAME\" once the agent connects"
