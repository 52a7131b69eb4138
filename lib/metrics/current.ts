// Current app metrics on the control plane, for alert rules and pages: the latest sample per app
// and the recent trend. The one place other modules read app metrics from (they never reach
// into the store or the agents themselves).
import "server-only";
import type { AppSample } from "../protocol";
import { metricsStore } from "./metrics-store";

/**
 * The latest sample of an app as its agent last reported it (every 10 s; the agent also resends
 * what the control plane missed after a reconnect), with its age. Null: no sample yet.
 *
 * Fields (lib/protocol/metrics-messages.ts, AppSample), for the metric-based rules:
 * - 5xx rate: `status5xx / requests` over the sample's `step` ms (requests 0: no rate);
 * - p99 latency: `p99Ms` (null when no request finished in the interval);
 * - workers all busy: `workersIdle === 0 && workersBusy > 0`;
 * - queue growing: `listenQueue` (null when unknown) rising across `recentAppSamples`.
 * `ageMs` says how stale it is: an agent offline stops sending, so judge staleness yourself.
 */
export type CurrentAppMetrics = AppSample & { ageMs: number };

export function currentAppMetrics(appId: string, now = Date.now()): CurrentAppMetrics | null {
  const s = metricsStore().latest(appId);
  return s ? { ...s, ageMs: Math.max(0, now - s.t) } : null;
}

/** The latest sample of every app the control plane has heard of. */
export function allCurrentAppMetrics(now = Date.now()): CurrentAppMetrics[] {
  const out: CurrentAppMetrics[] = [];
  for (const appId of metricsStore().appIds()) {
    const s = currentAppMetrics(appId, now);
    if (s) out.push(s);
  }
  return out;
}

/** An app's samples of the last `windowMs` (at most the last hour), oldest first. */
export function recentAppSamples(appId: string, windowMs: number, now = Date.now()): AppSample[] {
  return metricsStore().since(appId, now - windowMs);
}
