// Apps' live status, from their agents to the browsers (on this replica and the others). Status
// frames of one app that arrive within COALESCE_MS become one browser event: the latest status
// wins (it is the app's whole state: every process, as the agent last saw it), so no state is lost;
// the transitions themselves are stored one by one (lib/events/process-events.ts). Each event is
// serialised once, and one equal to what browsers last got for that app is not sent again (an agent
// reports all its apps when one of them changes).
import type { AppStatus } from "../protocol";
import { uiHub } from "./ui-hub";

export const COALESCE_MS = 10;
const MAX_REMEMBERED = 100_000; // bounded: app ids come from agents

type Pending = { hostId: string; status: AppStatus };

export class StatusFanout {
  private pending = new Map<string, Pending>();
  private lastSent = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  /** Browser events sent and status frames folded into a later one, for tests and the scale bench. */
  sent = 0;
  coalesced = 0;

  constructor(
    private readonly publish: (event: { type: "app.status"; hostId: string; status: AppStatus }, text: string) => void,
    private readonly delayMs = COALESCE_MS,
    /** Runs a batch of publishes (the hub corks its sockets around it: one write per browser). */
    private readonly batch: (send: () => void) => void = (send) => send(),
  ) {}

  /**
   * An agent's status of some of its apps. `fresh` (an agent that just said hello): sent even if
   * equal to the last, so every browser sees the app again after its host was away.
   */
  add(hostId: string, apps: AppStatus[], fresh = false): void {
    for (const status of apps) {
      if (fresh) this.lastSent.delete(status.appId);
      if (this.pending.has(status.appId)) this.coalesced++;
      this.pending.set(status.appId, { hostId, status });
    }
    if (!this.timer && this.pending.size) {
      this.timer = setTimeout(() => this.flush(), this.delayMs);
      this.timer.unref();
    }
  }

  /** Sends what is pending now (the timer's job; also for tests and shutdown). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const pending = this.pending;
    this.pending = new Map();
    if (this.lastSent.size > MAX_REMEMBERED) this.lastSent.clear();
    this.batch(() => {
      for (const [appId, { hostId, status }] of pending) {
        const event = { type: "app.status" as const, hostId, status };
        const text = JSON.stringify(event);
        if (this.lastSent.get(appId) === text) continue;
        this.lastSent.set(appId, text);
        this.sent++;
        this.publish(event, text);
      }
    });
  }
}

const KEY = Symbol.for("stoker.status-fanout");
export function statusFanout(): StatusFanout {
  const g = globalThis as typeof globalThis & { [KEY]?: StatusFanout };
  g[KEY] ??= new StatusFanout(
    (event, text) => uiHub().publish(event, text),
    COALESCE_MS,
    (send) => uiHub().corked(send),
  );
  return g[KEY];
}
