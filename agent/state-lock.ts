// One agent per state dir: two agents would adopt the same processes and delete each other's
// control socket. The lock is a flock on `agent.lock`, held for the agent's life; the kernel drops
// it when the process dies, so a crashed agent never leaves a stale lock behind.
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { closeFd, tryLockExclusive } from "./native";

export type StateLock = { release(): void };

/** Takes the state dir's lock, or throws an error that says which agent holds it. */
export function lockStateDir(stateDir: string): StateLock {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = path.join(stateDir, "agent.lock");
  const fd = openSync(file, "a+", 0o600);
  if (!tryLockExclusive(fd)) {
    closeSync(fd);
    let holder = "";
    try {
      holder = readFileSync(file, "utf8").trim();
    } catch {
      // unreadable: say less
    }
    throw new Error(
      `Another agent already runs on the state dir ${stateDir}${holder ? ` (pid ${holder})` : ""}. ` +
        "Stop it first, or give this one another --state-dir.",
    );
  }
  writeFileSync(file, `${process.pid}\n`); // only for the message above: the flock is the lock
  return { release: () => closeFd(fd) };
}
