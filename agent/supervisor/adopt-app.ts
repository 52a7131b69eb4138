// Re-attaching to the processes and socket a previous agent left running. An agent killed in the
// middle of a restart may have left two generations: exactly one is kept (the one on the socket's
// path), nothing stays paused, and the others are retired once they have served what they hold.
import type { AppSpec } from "../../lib/protocol";
import type { LogSink } from "../logs/log-sink";
import type { AppCgroup } from "./app-cgroup";
import { removeStages, restoreView, swapInLeftStage } from "./app-bound-stage";
import { adoptListenSocket, type ListenSocket } from "./app-socket";
import { liveGeneration, removeStagedFiles, retire, strayHolders } from "./recover-generation";
import { adoptProcess, type OsProcess } from "./spawn-process";

/** `foreign`: started outside Stoker and adopted on import; no output pipes of ours (spawn-process.ts). */
export type SavedProcess = { slot: number; pid: number; startTicks: number; startedAt: string; restarts: number; generation: number; foreign?: boolean };
export type AdoptedProcess = { saved: SavedProcess; proc: OsProcess };

export type Found = {
  generation: number;
  /** The agent-owned socket taken back from a live process, if any. */
  socket: ListenSocket | null;
  /** The live generation's processes, to put back in their slots. */
  current: AdoptedProcess[];
  alive: AdoptedProcess[];
};

/** Finds which saved processes still run, resumes them all, and which generation is the app's. */
export function findGenerations(spec: AppSpec, saved: { generation: number; processes: SavedProcess[] }, sink: LogSink, cgroup: AppCgroup): Found {
  const alive = saved.processes
    .map((p) => ({ saved: p, proc: adoptProcess(p.pid, p.startTicks, p.startedAt, sink, cgroup, p.foreign === true) }))
    .filter((a): a is AdoptedProcess => a.proc !== null);
  for (const a of alive) a.proc.signal("SIGCONT"); // a generation paused by the previous agent
  const generation = liveGeneration(
    spec.socket,
    saved.generation,
    alive.map((a) => a.saved.generation),
  );
  if (spec.socket.path) removeStagedFiles(spec.socket.path);
  if (spec.socket.bind === "app" && spec.socket.path) {
    // A replacement of the live generation (a recycle) that bound its stage, but was not yet renamed onto the path.
    if (alive.some((a) => a.saved.generation === generation)) swapInLeftStage(spec.socket.path, generation);
    removeStages(spec.socket.path);
  }
  const current = alive.filter((a) => a.saved.generation === generation);
  let socket: ListenSocket | null = null;
  if (spec.socket.bind === "agent" && current.length) {
    try {
      socket = adoptListenSocket(spec.socket, current[0].proc.pid);
    } catch (e) {
      sink.note(`could not take the socket back from ${current[0].proc.pid}: ${String(e)}`);
    }
  }
  return { generation, socket, current, alive };
}

/**
 * What must be retired after adoption: saved processes no slot took (`kept`), and processes that
 * hold one of the app's other sockets without ever reaching the state file. All are resumed.
 */
export function toRetire(spec: AppSpec, found: Found, kept: (proc: OsProcess) => boolean, liveFd: number | null): number[] {
  const leftovers = found.alive.filter((a) => !kept(a.proc)).map((a) => a.proc.pid);
  const strays = strayHolders(spec.socket, liveFd).filter((pid) => !leftovers.includes(pid));
  for (const pid of strays) {
    try {
      process.kill(pid, "SIGCONT");
    } catch {
      // gone meanwhile
    }
  }
  return [...leftovers, ...strays];
}

/** Retires an interrupted restart's other generation without dropping what it holds. */
export function retireLeftovers(pids: number[], spec: AppSpec, liveFd: number | null): Promise<void> {
  return retire(pids, liveFd, { signal: spec.stop.signal, timeoutMs: spec.stop.timeoutMs }, spec.socket);
}

/** The live process of an app-bound socket whose agent died before giving it its real directory back. */
export async function restoreViews(spec: AppSpec, current: AdoptedProcess[]): Promise<void> {
  if (spec.socket.bind !== "app" || !spec.socket.path) return;
  for (const a of current) await restoreView(a.proc.pid, spec.socket.path);
}
