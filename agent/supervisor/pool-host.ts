// The one door from the process manager (pool-manager.ts) into its app (AppRunner): the app's
// current processes, and the few changes the manager may make (start more, drop one it stopped).
import type { AppSpec, ProcessEventKind } from "../../lib/protocol";
import { isoNow } from "../../lib/protocol/iso-time";
import type { AppCgroup } from "./app-cgroup";
import type { AppDoor } from "./app-door";
import { socketAddress } from "./app-socket";
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

/** The process manager's door, made from the app's own (what AppRunner gives its helpers). */
export function poolHostOf(app: AppDoor): PoolHost {
  return {
    get appId() {
      return app.appId;
    },
    get spec() {
      return app.desired.spec;
    },
    cgroup: app.cgroup,
    slots: () => app.slots,
    active: () => app.desired.desired === "running" && !app.busy() && app.socket !== null && app.desired.spec.socket.bind === "agent",
    socketFd: () => app.socket?.fd ?? null,
    address: () => socketAddress(app.desired.spec.socket),
    addSlots: async (count) => {
      const plan = app.currentPlan();
      if (!plan || !app.socket) return [];
      const used = new Set(app.slots.map((s) => s.index));
      const indexes: number[] = [];
      for (let i = 0; indexes.length < count; i++) if (!used.has(i)) indexes.push(i);
      // No probe while a sibling already answers: the app is proven, and the probe would queue behind the load.
      const fresh = app.slotsAt(app.desired, plan, app.generation, indexes, () => !app.slots.some((s) => s.state === "RUNNING"));
      app.setSlots([...app.slots, ...fresh]);
      app.changed();
      await Promise.all(fresh.map((s) => s.start()));
      app.persist();
      return fresh;
    },
    dropSlot: (slot) => {
      app.setSlots(app.slots.filter((s) => s !== slot));
      app.persist();
      app.changed();
    },
    event: (kind, slot, pid, detail) => {
      const state = app.slots.find((s) => s.index === slot)?.state ?? "RUNNING";
      app.transition({ appId: app.appId, slot, pid, from: state, to: state, at: isoNow(), detail: detail.slice(0, 8192), kind });
      app.sink.note(`${kind}: ${detail.split("\n")[0]}`);
    },
    outputOf: (pid) => app.outputOf(pid),
    serialize: (fn) => app.serialize(fn),
    changed: () => app.changed(),
  };
}
