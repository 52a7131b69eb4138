// What an app runner leaves for whoever comes after this agent: its entry in the state file (every
// process of every generation, for adoption) and the log keeper's recipe (how to replace processes
// while no agent runs).
import { fstatSync } from "node:fs";
import type { DesiredApp } from "../../lib/protocol";
import type { StandbyApp } from "../keeper/keeper-protocol";
import type { SavedProcess } from "./adopt-app";
import type { ListenSocket } from "./app-socket";
import type { LaunchPlan } from "./launch-plan";
import type { ProcessSlot } from "./process-slot";
import type { SavedRevisions } from "./revisions";
import type { SavedWorker } from "./workers";

export type SavedApp = { desired: DesiredApp; generation: number; processes: SavedProcess[]; workers?: SavedWorker[] } & SavedRevisions;

/** The state file's entry; `slots`: a restart's new and old generations too (a restarted agent must find every process). */
export function savedApp(desired: DesiredApp, generation: number, slots: readonly ProcessSlot[], workers: SavedWorker[]): SavedApp {
  return {
    desired,
    generation,
    processes: slots
      .filter((s) => s.proc)
      .map((s) => ({
        slot: s.index,
        pid: s.proc!.pid,
        startTicks: s.proc!.startTicks,
        startedAt: s.proc!.startedAt,
        restarts: s.restarts,
        generation: s.generation,
        ...(s.proc!.foreign ? { foreign: true } : {}),
      })),
    workers,
  };
}

/** How the log keeper replaces the app's processes while the agent is away; null if none should run. */
export function standbyOf(appId: string, desired: DesiredApp, generation: number, plan: LaunchPlan | undefined, socket: ListenSocket | null, slots: readonly ProcessSlot[]): StandbyApp | null {
  // Not only while a process runs: php-cgi's processes recycle together under even load, and a state
  // saved in that instant (an exit is a change) left the keeper without a recipe for the whole outage.
  if (desired.desired !== "running" || !plan) return null;
  const { socket: spec, restart } = desired.spec;
  // The socket itself, named by this agent's fd: the keeper takes its duplicate now, as no app
  // process may be alive to take it from when the agent dies (both php-cgi processes recycling).
  // Only a Unix socket: a TCP port the keeper held open would make this agent's own re-listen on
  // it (a stop then a start) fail with EADDRINUSE until the keeper had the next recipes; the
  // keeper takes a TCP socket from a live process when the agent goes, as before.
  const inode = socket && spec.bind === "agent" && spec.path ? inodeOf(socket.fd) : null;
  const agentSocket = socket && inode !== null ? { fd: socket.fd, inode } : undefined;
  const live = slots.filter((s) => s.state !== "STOPPED" && s.state !== "FATAL").map((s) => s.index);
  return { appId, generation, socket: spec, plan, restart, agentSocket, slots: live };
}

function inodeOf(fd: number): number | null {
  try {
    return fstatSync(fd).ino;
  } catch {
    return null;
  }
}
