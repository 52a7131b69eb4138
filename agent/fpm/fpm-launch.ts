// How a php-fpm app is started: its configuration written to the agent's state dir, and the launch
// plan of the app's command (the php-fpm binary) extended to run one master in the foreground on
// that file, with the agent's listening socket handed over through php-fpm's own socket
// inheritance (FPM_SOCKETS=key=fd, what php-fpm itself uses across a reload), never bound by php-fpm.
import { createHash } from "node:crypto";
import { chownSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DesiredApp } from "../../lib/protocol";
import type { LaunchPlan } from "../supervisor/launch-plan";
import { inheritKey, renderFpmConfig } from "./pool-config";

/** The socket goes to php-fpm at this fd (not 0: php-fpm points its stdin at /dev/null), its configuration at the next. */
export const FPM_LISTEN_FD = 5;
export const FPM_CONFIG_FD = 6;

/**
 * The configuration is named after its content, so a new generation's file never changes what an
 * older master re-reads on a reload (SIGUSR2). The master reads it through the fd the agent opens
 * (the state dir is the agent's, 0700; the app's user could not open the path itself, only the fd).
 */
export function fpmPlan(base: LaunchPlan, desired: DesiredApp, stateDir: string): LaunchPlan {
  const pool = desired.spec.fpm;
  if (!pool) return base;
  const asRoot = base.uid === 0 || (base.uid === undefined && process.getuid?.() === 0);
  const text = renderFpmConfig(desired.appId, desired.spec.name, pool, asRoot, desired.spec.stop.timeoutMs);
  const dir = path.join(stateDir, "fpm", desired.appId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `pool-${createHash("sha256").update(text).digest("hex").slice(0, 12)}.conf`);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  // Opening /proc/self/fd/N checks the file's own mode: a master run as the app's user (not root)
  // was refused its configuration (EACCES, exit 78). The file is the app user's; the dir stays ours.
  if (base.uid !== undefined && process.getuid?.() === 0) chownSync(tmp, base.uid, base.gid ?? -1);
  renameSync(tmp, file);
  return {
    ...base,
    args: [...base.args, "--nodaemonize", "--fpm-config", `/proc/self/fd/${FPM_CONFIG_FD}`, ...(asRoot ? ["--allow-to-run-as-root"] : [])],
    env: { ...base.env, FPM_SOCKETS: `${inheritKey(desired.appId)}=${FPM_LISTEN_FD}` },
    listenFd: FPM_LISTEN_FD,
    openFiles: [file],
  };
}
