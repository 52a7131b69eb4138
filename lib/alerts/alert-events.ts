// The one door every part of Stoker raises or clears an alert through (process events, deployments,
// web-config applies, the agent link, the alert ticker, uptime checks). It never throws and never
// waits: signals are queued and handled one at a time by the engine (lib/alerts/alert-engine.ts),
// so no agent message or request waits on a notification.
import "server-only";
import type { AlertEventKind } from "../protocol";

export type AlertSignal = {
  op: "fire" | "clear";
  event: AlertEventKind;
  /** App events name the app; host events the host. */
  appId?: string;
  hostId?: string;
  /** Only this rule (the ticker evaluates thresholds per rule); omitted: every rule on the event. */
  ruleId?: string;
  /** A sub-subject (a traceback group's fingerprint): one alert per app and key. */
  key?: string;
  summary?: string;
  detail?: string;
};

type Sink = (s: AlertSignal) => void;
const SINK = Symbol.for("stoker.alerts.sink");
const LINK = Symbol.for("stoker.alerts.agent-link");
type G = typeof globalThis & { [SINK]?: Sink; [LINK]?: Map<string, number> };

/** Called once by the engine when it starts; until then signals are dropped (nothing listens yet). */
export function connectAlertSink(sink: Sink): void {
  (globalThis as G)[SINK] = sink;
}

export function alertSignal(s: AlertSignal): void {
  try {
    (globalThis as G)[SINK]?.(s);
  } catch (e) {
    console.error("[alerts] a signal could not be queued:", e);
  }
}

const FATAL = Symbol.for("stoker.alerts.fatal-slots");

/**
 * A process changed state: a FATAL slot raises app.fatal; the alert clears once no slot of the app is
 * FATAL (ready again, or stopped by someone). Slots are remembered in memory: after a control-plane
 * restart the first slot seen ready clears it.
 */
export function processStateChanged(appId: string, slot: number, to: string, detail: string): void {
  const g = globalThis as typeof globalThis & { [FATAL]?: Map<string, Set<number>> };
  g[FATAL] ??= new Map();
  const slots = g[FATAL].get(appId) ?? new Set<number>();
  if (to === "FATAL") {
    slots.add(slot);
    g[FATAL].set(appId, slots);
    alertSignal({ op: "fire", event: "app.fatal", appId, summary: `Process ${slot + 1} gave up restarting (FATAL)${detail ? `: ${detail}` : ""}`.slice(0, 500), detail });
  } else if (to === "RUNNING" || to === "STOPPED") {
    // An app known to have no FATAL slot sends nothing (php-cgi recycles make many of these).
    const known = g[FATAL].has(appId);
    if (known && !slots.has(slot)) return;
    slots.delete(slot);
    g[FATAL].set(appId, slots);
    if (slots.size === 0) alertSignal({ op: "clear", event: "app.fatal", appId, summary: `No process is FATAL (process ${slot + 1} ${to})` });
  }
}

/** The agent link: when each host's agent went away (the ticker turns a long absence into an alert). */
export function agentLinkChanged(hostId: string, online: boolean): void {
  const g = globalThis as G;
  g[LINK] ??= new Map();
  if (online) {
    g[LINK].delete(hostId);
    alertSignal({ op: "clear", event: "host.agent.offline", hostId, summary: "The agent is connected again." });
  } else g[LINK].set(hostId, Date.now());
}

/** Another replica took or lost the host's agent: when it went away, for this replica's clock (it signals nothing: that replica did). */
export function agentLinkSeen(hostId: string, online: boolean): void {
  const g = globalThis as G;
  g[LINK] ??= new Map();
  if (online) g[LINK].delete(hostId);
  else if (!g[LINK].has(hostId)) g[LINK].set(hostId, Date.now());
}

/** When the host's agent went away, or null if it was never seen leaving (offline since the control plane started). */
export function agentOfflineSince(hostId: string): number | null {
  return (globalThis as G)[LINK]?.get(hostId) ?? null;
}
