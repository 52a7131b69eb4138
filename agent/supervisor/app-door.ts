// The one door from the app's helpers that set up its state (adoption, adopt-runner.ts; the process
// manager's door, pool-host.ts) into its app (AppRunner): a restart strategy's door (RestartHost)
// plus the few writes adoption makes (the generation, socket and slots it finds).
import type { DesiredApp, ProcessTransition, Result } from "../../lib/protocol";
import type { ListenSocket } from "./app-socket";
import type { LaunchPlan } from "./launch-plan";
import type { ProcessSlot } from "./process-slot";
import type { RestartHost } from "./restart-host";
import type { ProbeWanted } from "./slot-hooks";
import type { AppWorkers } from "./workers";

export type AppDoor = RestartHost & {
  readonly appId: string;
  readonly workers: AppWorkers;
  setGeneration(generation: number): void;
  setSocket(socket: ListenSocket): void;
  setSlots(slots: ProcessSlot[]): void;
  /** The error shown with the app's status (and not in its log). */
  setError(message: string): void;
  /** The current generation's launch plan, if it started. */
  currentPlan(): LaunchPlan | undefined;
  /** Slots of `generation` at the given indexes (all of a new count without), not started. */
  slotsAt(desired: DesiredApp, plan: LaunchPlan, generation: number, indexes?: number[], probe?: ProbeWanted): ProcessSlot[];
  /** How many processes a new generation starts. */
  countFor(desired: DesiredApp): number;
  /** Opens the agent-owned socket if the app has none yet (or clears a stale app-bound file). */
  ensureSocket(): Promise<Result<void>>;
  syncWorkers(): Promise<void>;
  /** The app's limits on its cgroup, before any process is born in or moved into it. */
  syncLimits(): void;
  /** The app stops, or a generation is under test: the process manager keeps still. */
  busy(): boolean;
  transition(t: ProcessTransition): void;
  changed(): void;
};
