// Whole-app restart of an app that binds its own socket (php-cgi -b, flup's bindAddress). The new
// process starts beside the old one, staged where it can bind unseen (app-bound-stage.ts), is
// proven there, and its socket is renamed onto the path: the path never goes missing, so no
// connect() is refused. The old process keeps its own listener and what is queued there; the agent
// takes a copy of that listener and stops the old process once it is drained. Without staging
// (not root) the new process replaces the file itself, with the app's own short unlink-bind gap.
import { type DesiredApp, ok, type ProcessInfo, type Result } from "../../lib/protocol";
import { closeFd, takeFd } from "../native";
import { canStage, discardStage, openStage, stageBound, stagedLaunch, swapInStage } from "./app-bound-stage";
import { applyOwnership } from "./app-socket";
import { relayBacklog } from "./backlog-relay";
import { drainRetired } from "./drain";
import { failpoint } from "./failpoint";
import type { ProcessSlot } from "./process-slot";
import { isAlive } from "./proc-stats";
import { probeUntil } from "./readiness";
import type { RestartHost } from "./restart-host";
import { hasQueued, listenerHeldBy } from "./socket-use";
import type { OsProcess } from "./spawn-process";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Null (the caller stops, then starts) if the old process holds no listener at the path. */
export async function appBoundReplace(host: RestartHost, next: DesiredApp, file: string): Promise<Result<ProcessInfo[]> | null> {
  const plan = host.plan(next);
  if (!plan.ok) return plan;
  const spec = next.spec;
  // A replacement of the current process (a recycle) still proving itself would later rename its
  // socket over the new generation's: the restart starts once it is on the path (or gone).
  const settled = () => host.held.staging === null || !isAlive(host.held.staging);
  for (const deadline = Date.now() + spec.ready.timeoutMs; !settled() && Date.now() < deadline; ) await sleep(5);
  if (!host.slots.some((s) => s.state === "RUNNING")) return null;
  const oldPids = host.slots.map((s) => s.proc?.pid ?? 0).filter(Boolean);
  const oldListener = listenerHeldBy(oldPids, file);
  if (!oldListener) return null;
  const generation = host.generation + 1;
  const stage = (await canStage()) ? openStage(file, generation, plan.value.uid, plan.value.gid) : null;
  failpoint("restart.staged");
  const fresh = host.newSlots(next, plan.value, generation, stage ? { plan: stagedLaunch(plan.value, stage) } : {});
  host.stage(fresh);
  const started = host.cgroup.batch(() => fresh.map((s) => s.launch())).filter((p): p is OsProcess => p !== null);
  failpoint("restart.launched");
  let problem: string | null = started.length < fresh.length ? "a new process could not be started" : null;
  const deadline = Date.now() + spec.ready.timeoutMs;
  // Ready once the new process listens: at the stage, or (unstaged) at the path, having replaced the file.
  const bound = () => (stage ? stageBound(stage) : false) || listenerHeldBy(started.map((p) => p.pid), file) !== null;
  while (!problem && !bound()) {
    if (started.some((p) => !isAlive(p.pid))) problem = "the new process exited while starting";
    else if (Date.now() > deadline) problem = `the new process did not bind ${file} within ${spec.ready.timeoutMs} ms`;
    else await sleep(10);
  }
  const at = stage ? stage.staged : file;
  if (!problem) problem = await probeUntil(spec, `unix:${at}`, Math.max(100, deadline - Date.now()));
  if (!problem) {
    try {
      applyOwnership(at, spec.socket); // before the web server can see it
    } catch (e) {
      problem = `cannot set the socket's owner and mode: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  if (problem) {
    await Promise.all(fresh.map((s) => s.stop()));
    if (stage) discardStage(stage);
    host.unstage();
    return host.fail(`Restart failed, the old process keeps running: ${problem}`);
  }
  failpoint("restart.probed");
  if (stage) await swapInStage(stage, started[0].pid);
  const old = host.promote(next, fresh, generation);
  failpoint("restart.swapped");
  // The agent holds the new listener from now on; its copy of the old one is the one drained here.
  const oldCopy = started[0] ? host.held.take(started[0].pid, file) : host.held.release();
  void host.serialize(() => retire(host, old, file, oldListener, oldPids, spec.stop.timeoutMs, oldCopy));
  return ok(host.processes());
}

async function retire(host: RestartHost, old: ProcessSlot[], file: string, listener: { pid: number; fd: number }, oldPids: number[], timeoutMs: number, copy: number | null): Promise<void> {
  let fd = copy ?? -1;
  try {
    if (fd < 0) fd = takeFd(listener.pid, listener.fd);
  } catch {
    // gone already
  }
  // The old slots' processes now: a recycle during the restart may have replaced the one it began with.
  const pids = [...new Set([...oldPids, ...old.map((s) => s.proc?.pid ?? 0).filter(Boolean)])];
  // An old process that exits meanwhile (php-cgi at its request quota) leaves what is queued on its
  // socket to the new one: relayed, as after a recycle (backlog-relay.ts).
  const gone = () => pids.every((pid) => !isAlive(pid));
  if (fd >= 0 && !(await drainRetired(fd, timeoutMs, pids, gone)) && gone() && hasQueued(fd)) {
    await relayBacklog(fd, file);
    fd = -1; // closed by the relay
  }
  failpoint("restart.drained");
  const stopping = Promise.all(old.map((s) => s.stop()));
  failpoint("restart.stopping");
  await stopping;
  if (fd >= 0) closeFd(fd);
  host.retired();
}

