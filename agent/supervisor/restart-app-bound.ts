// Whole-app restart of an app that binds its own socket (php-cgi -b, flup's bindAddress): the new
// process starts beside the old one and replaces the path's file itself (unlink, then bind), so
// new connections reach it while the old one keeps its own listener and what is queued there; the
// agent takes a copy of that listener and stops the old process once it is drained.
import { type DesiredApp, ok, type ProcessInfo, type Result } from "../../lib/protocol";
import { closeFd, takeFd } from "../native";
import { applyOwnership, socketAddress } from "./app-socket";
import { drainRetired } from "./drain";
import type { ProcessSlot } from "./process-slot";
import { isAlive } from "./proc-stats";
import { probeUntil } from "./readiness";
import type { RestartHost } from "./restart-host";
import { listenerHeldBy } from "./socket-use";
import type { OsProcess } from "./spawn-process";

/** Null (the caller stops, then starts) if the old process holds no listener at the path. */
export async function appBoundReplace(host: RestartHost, next: DesiredApp, file: string): Promise<Result<ProcessInfo[]> | null> {
  const plan = host.plan(next);
  if (!plan.ok) return plan;
  const spec = next.spec;
  const oldPids = host.slots.map((s) => s.proc?.pid ?? 0).filter(Boolean);
  const oldListener = listenerHeldBy(oldPids, file);
  if (!oldListener) return null;
  const generation = host.generation + 1;
  const fresh = host.newSlots(next, plan.value, generation);
  host.stage(fresh);
  const started = fresh.map((s) => s.launch()).filter((p): p is OsProcess => p !== null);
  let problem: string | null = started.length < fresh.length ? "a new process could not be started" : null;
  const deadline = Date.now() + spec.ready.timeoutMs;
  // Ready once a new process holds a listener at the path (it replaced the file), then answers there.
  while (!problem && !listenerHeldBy(started.map((p) => p.pid), file)) {
    if (started.some((p) => !isAlive(p.pid))) problem = "the new process exited while starting";
    else if (Date.now() > deadline) problem = `the new process did not bind ${file} within ${spec.ready.timeoutMs} ms`;
    else await new Promise((r) => setTimeout(r, 10));
  }
  if (!problem) problem = await probeUntil(spec, socketAddress(spec.socket), Math.max(100, deadline - Date.now()));
  if (!problem) {
    try {
      applyOwnership(file, spec.socket);
    } catch (e) {
      problem = `cannot set the socket's owner and mode: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  if (problem) {
    await Promise.all(fresh.map((s) => s.stop()));
    host.unstage();
    return host.fail(`Restart failed, the old process keeps running: ${problem}`);
  }
  const old = host.promote(next, fresh, generation);
  void host.serialize(() => retire(host, old, oldListener, oldPids, spec.stop.timeoutMs));
  return ok(host.processes());
}

async function retire(host: RestartHost, old: ProcessSlot[], listener: { pid: number; fd: number }, oldPids: number[], timeoutMs: number): Promise<void> {
  let fd = -1;
  try {
    fd = takeFd(listener.pid, listener.fd);
  } catch {
    // gone already
  }
  if (fd >= 0) await drainRetired(fd, timeoutMs, oldPids);
  await Promise.all(old.map((s) => s.stop()));
  if (fd >= 0) closeFd(fd);
  host.retired();
}
