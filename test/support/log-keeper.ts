// Tests that look at who holds an app's socket: the agent's log keeper holds a copy of every
// agent-bound Unix socket by design (agent/keeper/standby.ts), to replace app processes on it
// while the agent is away. It is neither a stray generation nor an app process.
import { readFileSync } from "node:fs";

export function isLogKeeper(pid: number): boolean {
  try {
    return /log-keeper\.(mjs|ts)\0/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
  } catch {
    return false;
  }
}
