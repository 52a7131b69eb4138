// The one door from a restart strategy into its app (AppRunner): what a strategy may read, and the
// few state changes it may make (a generation under test, promoted, retired). The strategies
// (restart-swap, restart-app-bound, restart-paused) and adoption (adopt-app) see only this.
import type { DesiredApp, ProcessInfo, Result } from "../../lib/protocol";
import type { LogSink } from "../logs/log-sink";
import type { AppBoundListener } from "./app-bound-listener";
import type { AppCgroup } from "./app-cgroup";
import type { ListenSocket } from "./app-socket";
import type { LaunchPlan } from "./launch-plan";
import type { ProcessSlot } from "./process-slot";
import type { FirstLaunch } from "./slot-hooks";

export type RestartHost = {
  readonly desired: DesiredApp;
  readonly generation: number;
  /** The agent-owned listening socket, if the app has one. */
  readonly socket: ListenSocket | null;
  readonly slots: ProcessSlot[];
  /** For an app-bound socket: the agent's copy of the live process's listener. */
  readonly held: AppBoundListener;
  readonly sink: LogSink;
  readonly cgroup: AppCgroup;
  plan(desired: DesiredApp): Result<LaunchPlan>;
  /** Slots of `generation` (not started). */
  newSlots(desired: DesiredApp, plan: LaunchPlan, generation: number, launch?: FirstLaunch): ProcessSlot[];
  /** A new generation under test: in the state file beside the running one. */
  stage(fresh: ProcessSlot[]): void;
  /** The generation under test failed and its processes are stopped: forget it. */
  unstage(): void;
  /**
   * The new generation becomes the app (and `socket`, if given, its socket). Returns the old
   * generation, which stays in the state file until `retired`.
   */
  promote(next: DesiredApp, fresh: ProcessSlot[], generation: number, socket?: ListenSocket): ProcessSlot[];
  /** The old generation is gone. */
  retired(): void;
  /** Writes the state file now (before a step a crashed agent must be able to undo). */
  persist(): void;
  fail(message: string, detail?: unknown): Result<never>;
  outputOf(pid: number): string;
  /** Runs an operation on this app after the ones already queued. */
  serialize<T>(fn: () => Promise<T>): Promise<T>;
  processes(): ProcessInfo[];
};

/** The output of a failed new generation, for the failure's detail. */
export function outputsOf(host: RestartHost, pids: number[]): { pid: number; output: string }[] {
  return pids.map((pid) => ({ pid, output: host.outputOf(pid) }));
}
