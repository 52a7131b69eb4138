// The adoption path of one app: after an agent restart, the processes and socket the previous agent
// left (what adopt-app.ts finds); on an import, processes started outside Stoker (adopt-foreign.ts).
// Either way the app's generation, socket and slots are set from what is found, slots left over
// start new processes, and the state file is written.
import { ok, type ProcessInfo, processRange, type Result } from "../../lib/protocol";
import { isoNow } from "../../lib/protocol/iso-time";
import { takeHeldSocket } from "../keeper/keeper-handback";
import { closeFd } from "../native";
import { type Found, findGenerations, restoreViews, retireLeftovers, toRetire } from "./adopt-app";
import { adoptForeign, checkAdoption } from "./adopt-foreign";
import type { AppDoor } from "./app-door";
import type { SavedApp } from "./app-runner";
import { adoptListenSocket, socketAddress } from "./app-socket";

/** Re-attaches to the processes and socket a previous agent left running (adopt-app.ts). */
export async function adoptSaved(app: AppDoor, saved: SavedApp, exitsReported: ReadonlySet<number>): Promise<void> {
  app.setGeneration(saved.generation);
  const plan = app.plan(app.desired);
  if (!plan.ok) {
    app.setError(plan.message);
    return;
  }
  const spec = app.desired.spec;
  const found = findGenerations(spec, saved, app.sink, app.cgroup);
  recordExitsWhileAway(app, saved, found, exitsReported);
  await restoreViews(spec, found.current);
  app.setGeneration(found.generation);
  if (found.socket) app.setSocket(found.socket);
  // The log keeper's copy: the socket, with what was queued on it, even if every process ended meanwhile.
  const kept = takeHeldSocket(app.appId, app.generation);
  if (kept !== undefined && !app.socket && spec.socket.bind === "agent") app.setSocket({ fd: kept, address: socketAddress(spec.socket) });
  else if (kept !== undefined) closeFd(kept);
  // A dynamic app keeps the processes it had grown to (within its range), each in its own slot.
  const range = processRange(spec.processes);
  const grown = range.dynamic && spec.socket.bind === "agent";
  const indexes = grown ? [...new Set([...Array.from({ length: range.min }, (_, i) => i), ...found.current.map((a) => a.saved.slot)])].slice(0, range.max) : undefined;
  app.setSlots(app.slotsAt(app.desired, plan.value, app.generation, indexes));
  for (const slot of app.slots) {
    const match = found.current.find((a) => a.saved.slot === slot.index);
    if (match) slot.adopt(match.proc, match.saved.restarts);
  }
  // The previous agent's copy of an app-bound listener died with it: take one again.
  const bound = spec.socket.bind === "app" ? app.slots.find((s) => s.proc)?.proc : undefined;
  if (bound && spec.socket.path) app.held.take(bound.pid, spec.socket.path);
  const retiring = toRetire(spec, found, (proc) => app.slots.some((s) => s.proc === proc), app.socket?.fd ?? null);
  app.workers.adopt(app.desired, saved.workers ?? []);
  app.sink.note(`adopted ${app.slots.filter((s) => s.proc).length} running process(es) and ${app.workers.saved().length} worker(s)`);
  if (app.desired.desired === "running") {
    const missing = app.slots.filter((s) => !s.proc);
    if (missing.length) {
      const opened = await app.ensureSocket();
      if (opened.ok) await Promise.all(missing.map((s) => s.start()));
    }
    await app.syncWorkers();
  }
  app.persist();
  app.changed();
  if (!retiring.length) return;
  app.sink.note(`retiring ${retiring.length} process(es) of an interrupted restart: ${retiring.join(", ")}`);
  // After this adoption, in turn: no other operation runs before they are gone.
  void app.serialize(async () => {
    await retireLeftovers(retiring, spec, app.socket?.fd ?? null);
    app.persist();
  });
}

/**
 * Import: takes over processes started outside Stoker that serve this app's socket (adopt-foreign.ts),
 * without restarting them; slots left over start new processes on the same socket.
 */
export async function importRunning(app: AppDoor, pids: number[], ownPids: Set<number>): Promise<Result<ProcessInfo[]>> {
  const plan = app.plan(app.desired);
  if (!plan.ok) return plan;
  const spec = app.desired.spec;
  const checked = checkAdoption(spec, pids, ownPids);
  if (!checked.ok) return checked;
  if (spec.socket.bind === "agent") {
    try {
      app.setSocket(adoptListenSocket(spec.socket, pids[0]));
    } catch (e) {
      return app.fail(`Cannot take the socket from process ${pids[0]} (pidfd_getfd needs root or ptrace rights): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  app.syncLimits(); // on the group before the processes move into it, as before a start
  const procs = adoptForeign(pids, app.sink, app.cgroup);
  app.setGeneration(1);
  // A dynamic count keeps at least the processes taken over (checked against its max).
  const count = Math.max(app.countFor(app.desired), procs.length);
  app.setSlots(app.slotsAt(app.desired, plan.value, app.generation, Array.from({ length: count }, (_, i) => i)));
  for (const [i, proc] of procs.entries()) app.slots[i]?.adopt(proc, 0);
  // An app-bound process serving: the agent holds its listener from now on (app-bound-listener.ts).
  if (spec.socket.bind === "app" && spec.socket.path && procs[0]) app.held.take(procs[0].pid, spec.socket.path);
  app.sink.note(`imported ${procs.length} running process(es) (${procs.map((p) => p.pid).join(", ")}), not restarted; their output is not captured until they are replaced`);
  const missing = app.slots.filter((s) => !s.proc);
  if (app.desired.desired === "running" && missing.length) {
    const opened = await app.ensureSocket();
    if (opened.ok) await Promise.all(missing.map((s) => s.start()));
  }
  await app.syncWorkers();
  app.persist();
  app.changed();
  return ok(app.processes());
}

/**
 * A saved process found gone exited while no agent watched (the host rebooted, or it recycled
 * during the log keeper's handback): its exit still belongs in the timeline, though its status is unknown.
 */
function recordExitsWhileAway(app: AppDoor, saved: SavedApp, found: Found, exitsReported: ReadonlySet<number>): void {
  const at = isoNow();
  for (const p of saved.processes) {
    if (exitsReported.has(p.pid) || found.alive.some((a) => a.saved === p)) continue;
    const detail = "exited while no agent was running (found gone when the agent took over)";
    app.transition({ appId: app.appId, slot: p.slot, pid: p.pid, from: "RUNNING", to: "EXITED", at, detail, kind: "exit" });
  }
}
