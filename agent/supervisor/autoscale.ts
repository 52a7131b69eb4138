// How many processes an app with a dynamic count should run (PHP-FPM's pm = dynamic / ondemand):
// more when every worker is busy or connections wait in the listen queue, one fewer when a
// worker has been idle for idleS, never outside min..max, never more than the host's free memory
// (or the app's own memory limit) can hold. A pure decision: the pool manager acts on it.
import type { ProcessRange } from "../../lib/protocol";

/** At most this many processes are started in one step (PHP-FPM doubles up to 32 per second). */
const MAX_STEP = 4;

export type SlotLoad = { index: number; running: boolean; busy: boolean; idleMs: number };

export type ScaleInput = {
  range: ProcessRange;
  slots: SlotLoad[];
  /** Slots whose process is starting (not yet ready): no decision until they are. */
  starting: number;
  /** Connections waiting in the socket's accept queue. */
  queue: number;
  memory: {
    availableBytes: number;
    /** What one more process is expected to use (the average of the running ones). */
    perProcessBytes: number;
    /** Left free for the rest of the host. */
    reserveBytes: number;
    /** limits.memoryMb of the app, and what its processes use now. */
    appLimitBytes: number | null;
    appUsedBytes: number;
  };
};

export type ScaleDecision =
  | { kind: "up"; count: number; reason: string; held: string }
  | { kind: "down"; index: number; reason: string }
  | { kind: "none"; held: string };

const mb = (b: number) => `${Math.round(b / 1048576)} MB`;

export function decideScale(input: ScaleInput): ScaleDecision {
  const { range, slots, queue } = input;
  const count = slots.length;
  if (input.starting > 0) return { kind: "none", held: "" };
  const running = slots.filter((s) => s.running);
  const allBusy = running.length > 0 && running.every((s) => s.busy);
  const pressure = queue > 0 || allBusy;
  let want = 0;
  let reason = "";
  if (count < range.min) {
    want = range.min - count;
    reason = `below min ${range.min}`;
  } else if (pressure && count < range.max) {
    want = Math.min(range.max - count, Math.max(1, Math.min(queue, MAX_STEP)));
    reason = queue > 0 ? `${queue} connection(s) waiting in the listen queue` : `all ${running.length} process(es) busy`;
  }
  if (want > 0) {
    const m = input.memory;
    const per = Math.max(m.perProcessBytes, 1);
    const byHost = Math.floor((m.availableBytes - m.reserveBytes) / per);
    const byApp = m.appLimitBytes === null ? Number.POSITIVE_INFINITY : Math.floor((m.appLimitBytes - m.appUsedBytes) / per);
    const allowed = Math.max(0, Math.min(byHost, byApp));
    // An app with no process at all always gets its first one: nothing else can answer.
    const floor = count === 0 ? 1 : 0;
    const granted = Math.max(floor, Math.min(want, allowed));
    let held = "";
    if (granted < want) {
      held =
        byHost <= byApp
          ? `host memory: ${mb(m.availableBytes)} available, ${mb(m.reserveBytes)} kept free, a process needs about ${mb(per)}: ${granted} of ${want} more process(es) started`
          : `the app's memory limit (limits.memoryMb ${mb(m.appLimitBytes ?? 0)}, ${mb(m.appUsedBytes)} in use) leaves room for ${granted} of ${want} more process(es)`;
    }
    if (granted === 0) return { kind: "none", held };
    return { kind: "up", count: granted, reason, held };
  }
  if (!pressure && count > range.min && range.dynamic) {
    const idle = slots.filter((s) => s.running && !s.busy && s.idleMs >= range.idleS * 1000);
    if (idle.length) {
      // The highest slot first: the low ones are the long-lived core, like PHP-FPM's oldest children.
      const victim = idle.reduce((a, b) => (b.index > a.index ? b : a));
      return { kind: "down", index: victim.index, reason: `idle for ${Math.round(victim.idleMs / 1000)} s (idleS ${range.idleS})` };
    }
  }
  return { kind: "none", held: pressure && count >= range.max ? `at max (${range.max})` : "" };
}
