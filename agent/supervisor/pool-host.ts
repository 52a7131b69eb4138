// The one door from the process manager (pool-manager.ts) into its app (AppRunner): the app's
// current processes, and the few changes the manager may make (start more, drop one it stopped).
import type { AppSpec, ProcessEventKind } from "../../lib/protocol";
import type { AppCgroup } from "./app-cgroup";
import type { ProcessSlot } from "./process-slot";

export type PoolHost = {
  readonly appId: string;
  readonly spec: AppSpec;
  readonly cgroup: AppCgroup;
  /** The current generation's slots. */
  slots(): readonly ProcessSlot[];
  /** The app should serve now, from an agent-owned socket, and no whole-app operation replaces its processes. */
  active(): boolean;
  socketFd(): number | null;
  /** "unix:/path" or "tcp:host:port". */
  address(): string;
  /** Starts `count` more processes in the current generation; resolves with the new slots once each is ready or failed. */
  addSlots(count: number): Promise<ProcessSlot[]>;
  /** Forgets a slot whose process the manager stopped. */
  dropSlot(slot: ProcessSlot): void;
  event(kind: ProcessEventKind, slot: number, pid: number, detail: string): void;
  outputOf(pid: number): string;
  /** Runs after the app's queued operations (restarts), one at a time. */
  serialize<T>(fn: () => Promise<T>): Promise<T>;
  changed(): void;
};
