// The control plane's systemd unit: `stoker systemd-unit` prints it for a data dir, user and port;
// deploy/stoker.service is its output with the defaults (a test keeps the two the same).
import type { Flags } from "./args";
import { CliError } from "./client";

export const UNIT_DEFAULTS = { dataDir: "/var/lib/stoker", user: "stoker", port: "3000", workDir: "/opt/stoker" };

export function systemdUnit(flags: Flags = {}): string {
  const dataDir = typeof flags["data-dir"] === "string" ? flags["data-dir"] : UNIT_DEFAULTS.dataDir;
  const user = typeof flags.user === "string" ? flags.user : UNIT_DEFAULTS.user;
  const port = typeof flags.port === "string" ? flags.port : UNIT_DEFAULTS.port;
  if (!/^\/[A-Za-z0-9._/-]*$/.test(dataDir)) throw new CliError("--data-dir: an absolute path of letters, digits and . _ / - only.");
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) throw new CliError("--user: a user name.");
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw new CliError("--port: 1-65535.");
  return `# The Stoker control plane under systemd (dashboard, API, /ws/agent), on its own: the host agent
# is stoker-agent.service (examples/systemd/), so one never takes the other down.
# Install: a checkout in ${UNIT_DEFAULTS.workDir} with \`npm ci && npm run build\` done, a user ${user} owning
# ${dataDir}, then copy this to /etc/systemd/system/stoker.service and
#   systemctl daemon-reload && systemctl enable --now stoker
# Back up with \`STOKER_DATA_DIR=${dataDir} stoker backup\` (it may keep running); restore only while stopped.
[Unit]
Description=Stoker control plane
After=network-online.target
Wants=network-online.target
# In [Unit]: systemd ignores it under [Service], and stops restarting after 5 quick failures.
StartLimitIntervalSec=0

[Service]
Type=simple
User=${user}
WorkingDirectory=${UNIT_DEFAULTS.workDir}
Environment=NODE_ENV=production
Environment=STOKER_DATA_DIR=${dataDir}
Environment=PORT=${port}
# Loopback by default: put a TLS reverse proxy in front, or set HOST=0.0.0.0.
Environment=HOST=127.0.0.1
# Pending database migrations first (a no-op when there are none).
ExecStartPre=/usr/bin/node scripts/migrate.mjs deploy
ExecStart=/usr/bin/node --import tsx --import ./scripts/node-hooks.mjs server.ts
Restart=always
RestartSec=2s
# SQLite in WAL mode: a stop lets the server close the database cleanly.
KillSignal=SIGTERM
TimeoutStopSec=30s
NoNewPrivileges=yes
ProtectSystem=full
ReadWritePaths=${dataDir}
PrivateTmp=yes

[Install]
WantedBy=multi-user.target
`;
}
