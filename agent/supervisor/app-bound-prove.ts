// Proving a new process of an app that binds its own socket before the web server can reach it: it
// binds (at its stage, unseen, or at the path itself where it cannot be staged), answers a probe
// there, and gets the spec's owner and mode. A whole-app restart (restart-app-bound.ts) and a
// replacement after an exit (app-bound-respawn.ts) both go through it.
import type { AppSpec } from "../../lib/protocol";
import { type Stage, stageBound } from "./app-bound-stage";
import { applyOwnership } from "./app-socket";
import { holdpoint } from "./failpoint";
import { isAlive } from "./proc-stats";
import { probeUntil } from "./readiness";
import { listenerHeldBy } from "./socket-use";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How often the stage (or the path) is looked at until the process has bound it. */
const BIND_POLL_MS = 5;

/**
 * Null once the processes `pids` listen (at `stage`, or at `file` without one), answer a probe
 * there and have the socket's owner and mode, all within the spec's ready timeout; else why not.
 */
export async function proveBound(spec: AppSpec, pids: number[], stage: Stage | null, file: string): Promise<string | null> {
  const deadline = Date.now() + spec.ready.timeoutMs;
  // Unstaged, the process replaces the file itself: it is bound once it holds the listener there.
  const bound = () => (stage ? stageBound(stage) : listenerHeldBy(pids, file) !== null);
  while (!bound()) {
    if (pids.some((pid) => !isAlive(pid))) return "the new process exited while starting";
    if (Date.now() > deadline) return `the new process did not bind ${file} within ${spec.ready.timeoutMs} ms`;
    await sleep(BIND_POLL_MS);
  }
  await holdpoint("prove.bound");
  const at = stage ? stage.staged : file;
  // A process that exits while it is probed is not probed until the deadline (its socket refuses).
  const gone = new AbortController();
  const exited = () => pids.some((pid) => !isAlive(pid));
  const watch = setInterval(() => exited() && gone.abort(), BIND_POLL_MS);
  const probed = await probeUntil(spec, `unix:${at}`, Math.max(100, deadline - Date.now()), gone.signal).finally(() => clearInterval(watch));
  if (exited()) return "the new process exited while starting";
  if (probed) return `readiness probe failed: ${probed}`;
  try {
    applyOwnership(at, spec.socket); // before the web server can see it
    return null;
  } catch (e) {
    return `cannot set the socket's owner and mode: ${e instanceof Error ? e.message : String(e)}`;
  }
}
