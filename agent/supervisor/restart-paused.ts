// Whole-app restart on a TCP socket, which cannot be swapped: the new generation starts on the
// shared socket and, with a FastCGI probe, the old one is paused (SIGSTOP) while the new one is
// proven, so only new processes can take the probe; connections meanwhile wait in the backlog.
import { type DesiredApp, ok, type ProcessInfo, type Result } from "../../lib/protocol";
import { socketAddress } from "./app-socket";
import { failpoint } from "./failpoint";
import type { LaunchPlan } from "./launch-plan";
import { kickAcceptors, probeOnce, probeUntil, waitSettled, waitStopped } from "./readiness";
import { outputsOf, type RestartHost } from "./restart-host";
import type { OsProcess } from "./spawn-process";

export async function pausedReplace(host: RestartHost, next: DesiredApp, plan: LaunchPlan): Promise<Result<ProcessInfo[]>> {
  const spec = next.spec;
  const generation = host.generation + 1;
  const fresh = host.newSlots(next, plan, generation);
  host.stage(fresh);
  const started = host.cgroup.batch(() => fresh.map((s) => s.launch())).filter((p): p is OsProcess => p !== null);
  let problem: string | null = started.length < fresh.length ? "a new process could not be started" : null;
  if (!problem) {
    const { dead, settled } = await waitSettled(
      started.map((p) => p.pid),
      spec.ready.timeoutMs,
    );
    if (dead.length) problem = `new process ${dead.join(", ")} exited while starting`;
    else if (!settled) problem = `the new processes did not settle within ${spec.ready.timeoutMs} ms`;
  }
  const oldProcs = host.slots.map((s) => s.proc).filter((p): p is OsProcess => p !== null);
  const paused = !problem && spec.ready.probe === "fastcgi" ? oldProcs : [];
  if (!problem) problem = await probeNewGeneration(next, fresh.length, paused);
  if (problem) {
    for (const p of paused) p.signal("SIGCONT");
    await Promise.all(fresh.map((s) => s.stop()));
    host.unstage();
    const output = outputsOf(
      host,
      started.map((p) => p.pid),
    );
    return host.fail(`Restart failed, the old processes keep serving: ${problem}`, { newProcesses: output });
  }
  const old = host.promote(next, fresh, generation);
  // The stop signal reaches the paused processes before they run again, so they handle it
  // instead of accepting more connections: everything queued meanwhile goes to the new ones.
  const stopping = old.map((s) => s.stop());
  for (const p of paused) p.signal("SIGCONT");
  await Promise.all(stopping); // graceful: in-flight requests finish
  host.retired();
  await kickAcceptors(socketAddress(spec.socket), Math.min(fresh.length, 4));
  return ok(host.processes());
}

/**
 * Proves the new generation answers. With a FastCGI probe the old processes are paused while
 * probing; nothing fails either way. The caller resumes or stops them.
 */
async function probeNewGeneration(next: DesiredApp, count: number, paused: OsProcess[]): Promise<string | null> {
  const spec = next.spec;
  const address = socketAddress(spec.socket);
  if (spec.ready.probe !== "fastcgi") return probeUntil(spec, address, spec.ready.timeoutMs);
  for (const p of paused) p.signal("SIGSTOP");
  // Probe only once they are really stopped, or an old process could still take the probe.
  await waitStopped(paused.map((p) => p.pid));
  failpoint("restart.paused");
  await kickAcceptors(address, 1); // connections whose wake-up a stopping process swallowed
  const results = await Promise.all(Array.from({ length: Math.min(count, 4) }, () => probeOnce(spec, address, spec.ready.timeoutMs)));
  return results.find((r) => r !== null) ?? null;
}
