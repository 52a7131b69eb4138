// The control plane's recent app metrics: the last hour of samples per app, in memory, as the
// agents pushed them (or resent them after a reconnect: keyed by appId+t, so a resend changes
// nothing). Longer history stays on the agent (metrics.query). No database write (DESIGN 13).
import type { AppSample } from "../protocol";

/** How much the control plane keeps per app: an hour of 10 s samples. */
export const KEEP_MS = 3_600_000;
const MAX_PER_APP = 400;

export class MetricsStore {
  private byApp = new Map<string, { hostId: string; samples: AppSample[] }>();

  /** Adds samples of `hostId`'s apps (already admitted); ignores a (appId, t) it has, keeps time order. */
  add(hostId: string, samples: AppSample[]): void {
    for (const s of samples) {
      let entry = this.byApp.get(s.appId);
      if (!entry || entry.hostId !== hostId) {
        entry = { hostId, samples: [] };
        this.byApp.set(s.appId, entry);
      }
      const list = entry.samples;
      const last = list[list.length - 1];
      if (!last || s.t > last.t) list.push(s);
      else {
        const i = list.findIndex((x) => x.t >= s.t);
        if (list[i].t === s.t) {
          // The same interval again: a live reading may be replaced by its settled value.
          if (!list[i].perProcess || s.perProcess) list[i] = s;
          continue;
        }
        list.splice(i, 0, s);
      }
      const cutoff = Date.now() - KEEP_MS;
      while (list.length > MAX_PER_APP || (list.length > 1 && list[0].t < cutoff)) list.shift();
    }
  }

  latest(appId: string): AppSample | null {
    const list = this.byApp.get(appId)?.samples;
    return list?.length ? list[list.length - 1] : null;
  }

  since(appId: string, fromMs: number): AppSample[] {
    return (this.byApp.get(appId)?.samples ?? []).filter((s) => s.t >= fromMs);
  }

  hostOf(appId: string): string | null {
    return this.byApp.get(appId)?.hostId ?? null;
  }

  appIds(): string[] {
    return [...this.byApp.keys()];
  }

  forget(appId: string): void {
    this.byApp.delete(appId);
  }
}

const KEY = Symbol.for("stoker.metrics-store");
export function metricsStore(): MetricsStore {
  const g = globalThis as typeof globalThis & { [KEY]?: MetricsStore };
  g[KEY] ??= new MetricsStore();
  return g[KEY];
}
