// Starting this agent again from PREFIX/current after an upgrade. Under systemd (Restart=always,
// KillMode=process) the agent only exits and systemd starts the new one; anywhere else it starts its
// successor itself, detached, which waits for the state dir's lock that this one then lets go. Either
// way the apps keep running: stopping an agent never stops them, and the next one adopts them.
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";

let shutdown: (() => void) | null = null;

/** main.ts registers how the agent stops (link, control socket, detach, lock). */
export function onShutdown(fn: () => void): void {
  shutdown = fn;
}

export function restartFrom(prefix: string, log: (msg: string) => void): void {
  const stop = shutdown ?? (() => process.exit(0));
  // systemd sets INVOCATION_ID for the services it starts.
  if (process.env.INVOCATION_ID) {
    log("upgraded: exiting so systemd starts the new agent");
    stop();
    return;
  }
  const args = [path.join(prefix, "current", "agent.mjs"), ...process.argv.slice(2).filter((a, i, all) => a !== "--wait-lock" && all[i - 1] !== "--wait-lock"), "--wait-lock", "60"];
  const child = spawn(process.execPath, args, { detached: true, stdio: ["ignore", 1, 2], env: process.env });
  child.unref();
  // install.sh --no-systemd keeps the agent's pid there, for `kill $(cat PREFIX/agent.pid)`.
  const pidFile = path.join(prefix, "agent.pid");
  if (existsSync(pidFile) && child.pid) writeFileSync(pidFile, `${child.pid}\n`);
  log(`upgraded: started the new agent (pid ${child.pid}); this one hands over and exits`);
  stop();
}
