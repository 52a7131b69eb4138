// What an alert does next: the grouping, repeat, resolve-delay and silence rules in one pure
// function, so the engine only carries out its answer. An alert is one rule and one subject (an app
// or a host); while it fires, more occurrences add to it (a flapping app sends one message).
import type { AlertEventKind, RuleParams } from "../protocol";

export type AlertState = {
  state: "firing" | "resolved";
  /** When the last firing (or repeat) message was sent; null while it was only recorded. */
  notifiedAt: Date | null;
  /** When the condition cleared; the recovery waits resolveAfterSec in case it fires again. */
  clearedAt: Date | null;
};

export type Timing = { repeatSec: number; resolveAfterSec: number };
export type Action = "none" | "send-firing" | "send-repeat" | "resolve-notify" | "resolve-quiet";

/** Events that happen once rather than hold (a new traceback group): sent once, never recovered. */
export const ONE_SHOT: readonly AlertEventKind[] = ["app.traceback.new"];

const DEFAULTS: Record<AlertEventKind, Required<Pick<RuleParams, "repeatSec" | "resolveAfterSec">> & RuleParams> = {
  "app.fatal": { repeatSec: 4 * 3600, resolveAfterSec: 60 },
  "app.crash-loop": { repeatSec: 4 * 3600, resolveAfterSec: 300, count: 5, windowSec: 300 },
  "app.traceback.new": { repeatSec: 4 * 3600, resolveAfterSec: 0 },
  "app.traceback.spike": { repeatSec: 4 * 3600, resolveAfterSec: 300, count: 50, windowSec: 300 },
  "app.uptime.failed": { repeatSec: 4 * 3600, resolveAfterSec: 60 },
  "app.http.5xx-rate": { repeatSec: 4 * 3600, resolveAfterSec: 300, threshold: 5, count: 20, windowSec: 300 },
  "app.http.p99-latency": { repeatSec: 4 * 3600, resolveAfterSec: 300, threshold: 2000, windowSec: 120 },
  "app.workers.saturated": { repeatSec: 4 * 3600, resolveAfterSec: 300, windowSec: 60 },
  "deployment.failed": { repeatSec: 24 * 3600, resolveAfterSec: 0 },
  "webconfig.apply.failed": { repeatSec: 24 * 3600, resolveAfterSec: 0 },
  "host.agent.offline": { repeatSec: 4 * 3600, resolveAfterSec: 60, graceSec: 60 },
  "host.logs.disk-full": { repeatSec: 4 * 3600, resolveAfterSec: 300, threshold: 5 },
};

/** The rule's parameters with every default filled in. */
export function ruleParams(event: AlertEventKind, params: RuleParams): typeof DEFAULTS[AlertEventKind] {
  return { ...DEFAULTS[event], ...params };
}

/** What to do for a firing alert at `now`. A silenced alert is recorded, never sent; once the silence ends and it still fires, it is sent once. */
export function nextAction(a: AlertState, now: Date, t: Timing, silenced: boolean): Action {
  if (a.state !== "firing") return "none";
  if (a.clearedAt) {
    if (now.getTime() - a.clearedAt.getTime() < t.resolveAfterSec * 1000) return "none";
    // Nobody was told it fired (silenced throughout): nobody is told it recovered.
    return a.notifiedAt && !silenced ? "resolve-notify" : "resolve-quiet";
  }
  if (silenced) return "none";
  if (!a.notifiedAt) return "send-firing";
  return now.getTime() - a.notifiedAt.getTime() >= t.repeatSec * 1000 ? "send-repeat" : "none";
}
