// Whole-app restart on an agent-owned Unix socket: the new generation gets a socket of its own
// (.NAME.sock.gN), is proven there, then replaces the app's socket in one rename, so the path is
// never missing. The old generation is never paused: it serves what was queued on the old socket
// and is stopped once it holds nothing (drain.ts), so nothing is dropped whatever it does on SIGTERM;
// what it leaves queued (it exited first) is relayed to the new one (backlog-relay.ts).
import { type DesiredApp, ok, type ProcessInfo, type Result } from "../../lib/protocol";
import { discardStaged, type ListenSocket, openStagedSocket, swapIn } from "./app-socket";
import { relayBacklog } from "./backlog-relay";
import { drainRetired } from "./drain";
import { failpoint } from "./failpoint";
import type { LaunchPlan } from "./launch-plan";
import type { ProcessSlot } from "./process-slot";
import { probeUntil, waitSettled } from "./readiness";
import { outputsOf, type RestartHost } from "./restart-host";
import type { OsProcess } from "./spawn-process";

export async function swapReplace(host: RestartHost, next: DesiredApp, plan: LaunchPlan, generation: number): Promise<Result<ProcessInfo[]>> {
  const spec = next.spec;
  let staged: ListenSocket;
  try {
    staged = openStagedSocket(spec.socket, generation);
  } catch (e) {
    return host.fail(`Restart failed, the old processes keep serving: cannot open the new socket: ${e instanceof Error ? e.message : String(e)}`);
  }
  failpoint("restart.staged");
  const fresh = host.newSlots(next, plan, generation, { sock: staged });
  host.stage(fresh);
  const started = host.cgroup.batch(() => fresh.map((s) => s.launch())).filter((p): p is OsProcess => p !== null);
  failpoint("restart.launched");
  let problem: string | null = started.length < fresh.length ? "a new process could not be started" : null;
  // Probed while they load, not after: only the new generation listens on the staged socket, a
  // probe waits in its backlog until a new process accepts it, and a process that took one is
  // proven loaded. min(n, 4) probes: the others are proven by waitSettled.
  const giveUp = new AbortController();
  const address = `unix:${staged.staged}`;
  const probes = spec.ready.probe === "fastcgi" ? Math.min(fresh.length, 4) : 1;
  const proving = problem ? null : Promise.all(Array.from({ length: probes }, () => probeUntil(spec, address, spec.ready.timeoutMs, giveUp.signal)));
  if (!problem) {
    const { dead, settled } = await waitSettled(
      started.map((p) => p.pid),
      spec.ready.timeoutMs,
    );
    if (dead.length) problem = `new process ${dead.join(", ")} exited while starting`;
    else if (!settled) problem = `the new processes did not settle within ${spec.ready.timeoutMs} ms`;
  }
  if (!problem && proving) problem = (await proving).find((r) => r !== null) ?? null;
  giveUp.abort();
  if (problem) {
    // Processes first, file second: a restarted agent reads a staged file as "never swapped in".
    await Promise.all(fresh.map((s) => s.stop()));
    discardStaged(staged);
    host.unstage();
    const output = outputsOf(
      host,
      started.map((p) => p.pid),
    );
    return host.fail(`Restart failed, the old processes keep serving: ${problem}`, { newProcesses: output });
  }
  failpoint("restart.probed");
  const retiredSocket = host.socket;
  const old = host.promote(next, fresh, generation, swapIn(staged));
  failpoint("restart.swapped");
  // The restart is done: the new generation gets every new connection. The old one finishes
  // what it holds next, before any other operation on this app.
  void host.serialize(() => retire(host, old, retiredSocket, spec.stop.timeoutMs));
  return ok(host.processes());
}

/**
 * Stops a replaced generation once it has served everything queued on its socket and accepted.
 * Its processes may all exit first (php-cgi reaching its request quota while it drains; a replaced
 * slot starts no other), or stop accepting until the timeout: what is still queued then is relayed
 * to the new generation on the path, never reset when the old socket closes.
 */
async function retire(host: RestartHost, old: ProcessSlot[], retired: ListenSocket | null, timeoutMs: number): Promise<void> {
  if (retired) await drainRetired(retired.fd, timeoutMs, undefined, () => old.every((s) => s.proc === null));
  failpoint("restart.drained");
  const stopping = Promise.all(old.map((s) => s.stop()));
  failpoint("restart.stopping");
  await stopping;
  if (retired) void relayBacklog(retired.fd, retired.address.slice("unix:".length));
  host.retired();
}
