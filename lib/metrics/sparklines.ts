// The overview's sparklines: each app's last 15 minutes as the control plane kept them (no agent
// round trip), as compact columns: CPU %, RSS, requests/s, 5xx/s.
import "server-only";
import { metricsStore } from "./metrics-store";

const WINDOW_MS = 15 * 60_000;

export type Sparklines = Record<string, { t: number[]; cpu: number[]; rss: number[]; rps: number[]; errors: number[] }>;

export function sparklines(now = Date.now()): Sparklines {
  const store = metricsStore();
  const out: Sparklines = {};
  for (const appId of store.appIds()) {
    const samples = store.since(appId, now - WINDOW_MS);
    if (!samples.length) continue;
    const perS = (n: number, step: number) => Math.round((n / (step / 1000)) * 100) / 100;
    out[appId] = {
      t: samples.map((s) => s.t),
      cpu: samples.map((s) => s.cpuPercent),
      rss: samples.map((s) => s.rssBytes),
      rps: samples.map((s) => perS(s.requests, s.step)),
      errors: samples.map((s) => perS(s.status5xx, s.step)),
    };
  }
  return out;
}
