// Whole-app restart of an app that binds its own socket (php-cgi -b, flup's bindAddress). The new
// process starts beside the old one, staged where it can bind unseen (app-bound-stage.ts), is
// proven there, and its socket is renamed onto the path: the path never goes missing, so no
// connect() is refused. The old process keeps its own listener and what is queued there; the
// agent's copy of that listener is retired (app-bound-retire.ts): drained by the old process, then
// relayed if it exited first. Without staging (not root) the new process replaces the file itself,
// with the app's own short unlink-bind gap.
import { type DesiredApp, ok, type ProcessInfo, type Result } from "../../lib/protocol";
import { takeFd } from "../native";
import type { HeldCopy } from "./app-bound-listener";
import { proveBound } from "./app-bound-prove";
import { retireDisplaced } from "./app-bound-retire";
import { canStage, discardStage, openStage, restoreView, stagedLaunch } from "./app-bound-stage";
import { failpoint, holdpoint } from "./failpoint";
import type { ProcessSlot } from "./process-slot";
import { isAlive } from "./proc-stats";
import type { RestartHost } from "./restart-host";
import { listenerHeldBy } from "./socket-use";
import type { OsProcess } from "./spawn-process";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Null (the caller stops, then starts) if there is no listener at the path to replace: neither the old process's nor the agent's copy. */
export async function appBoundReplace(host: RestartHost, next: DesiredApp, file: string): Promise<Result<ProcessInfo[]> | null> {
  const plan = host.plan(next);
  if (!plan.ok) return plan;
  const spec = next.spec;
  // A replacement of the current process (a recycle) still proving itself is let finish first: it
  // would lose the path to this restart's process anyway (AppBoundListener.putOnPath).
  const settled = () => host.held.staging === null || !isAlive(host.held.staging);
  for (const deadline = Date.now() + spec.ready.timeoutMs; !settled() && Date.now() < deadline; ) await sleep(5);
  if (!host.slots.some((s) => s.state === "RUNNING")) return null;
  const oldPids = host.slots.map((s) => s.proc?.pid ?? 0).filter(Boolean);
  // The agent's copy is the listener on the path even if the old process has just exited (not yet reaped).
  const oldListener = listenerHeldBy(oldPids, file);
  if (!oldListener && host.held.fd === null) return null;
  const generation = host.generation + 1;
  const stage = (await canStage()) ? openStage(file, generation, plan.value.uid, plan.value.gid) : null;
  failpoint("restart.staged");
  const fresh = host.newSlots(next, plan.value, generation, stage ? { plan: stagedLaunch(plan.value, stage) } : {});
  host.stage(fresh);
  const started = host.cgroup.batch(() => fresh.map((s) => s.launch())).filter((p): p is OsProcess => p !== null);
  failpoint("restart.launched");
  await holdpoint("restart.launched");
  const abandon = async (problem: string) => {
    await Promise.all(fresh.map((s) => s.stop()));
    if (stage) discardStage(stage);
    host.unstage();
    return host.fail(`Restart failed, the old process keeps running: ${problem}`);
  };
  let problem: string | null = started.length < fresh.length ? "a new process could not be started" : null;
  problem ??= await proveBound(spec, started.map((p) => p.pid), stage, file);
  if (problem) return abandon(problem);
  failpoint("restart.probed");
  await holdpoint("restart.probed");
  const pid = started[0].pid;
  // On the path and held in one turn: a replacement of the old generation can no longer take the path from here on.
  let displaced: HeldCopy | null;
  try {
    displaced = stage ? host.held.putOnPath(stage, pid, generation) : host.held.take(pid, file, generation);
  } catch (e) {
    return abandon(`its socket could not be put on the path (${(e as Error).message})`);
  }
  await holdpoint("restart.renamed");
  if (stage) await restoreView(pid, file);
  const old = host.promote(next, fresh, generation);
  failpoint("restart.swapped");
  if (!displaced && oldListener) displaced = copyOf(oldListener); // the agent held no copy (not root)
  void host.serialize(async () => {
    if (displaced) await retireOld(host, old, file, displaced, oldPids, spec.stop.timeoutMs);
    else await Promise.all(old.map((s) => s.stop()));
    host.retired();
  });
  return ok(host.processes());
}

function copyOf(listener: { pid: number; fd: number }): HeldCopy | null {
  try {
    return { fd: takeFd(listener.pid, listener.fd), pid: listener.pid };
  } catch {
    return null; // gone already, or no rights
  }
}

async function retireOld(host: RestartHost, old: ProcessSlot[], file: string, displaced: HeldCopy, oldPids: number[], timeoutMs: number): Promise<void> {
  // The old slots' processes now: a recycle during the restart may have replaced the one it began with.
  const pids = [...new Set([...oldPids, ...old.map((s) => s.proc?.pid ?? 0).filter(Boolean)])];
  const relayed = await retireDisplaced(displaced, file, {
    pids,
    timeoutMs,
    stop: async () => {
      failpoint("restart.drained");
      const stopping = Promise.all(old.map((s) => s.stop()));
      failpoint("restart.stopping");
      await stopping;
    },
  });
  if (relayed) host.sink.note(`relayed ${relayed} connection(s) left queued on the replaced process's socket to the new one`);
}
