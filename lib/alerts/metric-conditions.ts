// The metric-based alert conditions, judged from an app's recent samples (lib/metrics/current.ts):
// 5xx rate, p99 latency, and workers all busy or the listen queue growing. Pure: samples in, a
// verdict out (fire with why, clear with the value now, or no verdict when there is too little to judge).
import type { AlertEventKind, AppSample, RuleParams } from "../protocol";

export type Verdict = { fire: true; summary: string } | { fire: false; summary: string } | null;
export const METRIC_EVENTS: readonly AlertEventKind[] = ["app.http.5xx-rate", "app.http.p99-latency", "app.workers.saturated"];

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** `samples` oldest first, all within the rule's window; `p` with defaults filled (alert-policy ruleParams). */
export function judgeMetrics(event: AlertEventKind, samples: AppSample[], p: RuleParams): Verdict {
  if (!samples.length) return null;
  switch (event) {
    case "app.http.5xx-rate": {
      const requests = sum(samples.map((s) => s.requests));
      // Too few requests say nothing about a rate (one failed request of two is not 50 %).
      if (requests < (p.count ?? 20)) return { fire: false, summary: `${requests} request(s) in the window, under the ${p.count ?? 20} a rate needs` };
      const pct = (sum(samples.map((s) => s.status5xx)) / requests) * 100;
      return { fire: pct >= (p.threshold ?? 5), summary: `${pct.toFixed(1)}% of ${requests} requests answered 5xx (threshold ${p.threshold ?? 5}%)` };
    }
    case "app.http.p99-latency": {
      const p99s = samples.map((s) => s.p99Ms).filter((x): x is number => x !== null);
      if (!p99s.length) return { fire: false, summary: "no requests in the window" };
      const avg = sum(p99s) / p99s.length;
      return { fire: avg >= (p.threshold ?? 2000), summary: `p99 latency ${Math.round(avg)} ms (threshold ${p.threshold ?? 2000} ms)` };
    }
    case "app.workers.saturated": {
      if (samples.length < 2) return null;
      const allBusy = samples.every((s) => s.workersIdle === 0 && s.workersBusy > 0);
      const queue = samples.map((s) => s.listenQueue);
      const known = queue.every((q): q is number => q !== null);
      const growing = known && (queue.at(-1) as number) > 0 && (queue.at(-1) as number) > (queue[0] as number) && queue.every((q, i) => i === 0 || (q as number) >= (queue[i - 1] as number));
      if (allBusy || growing) {
        const last = samples.at(-1) as AppSample;
        const why = [allBusy ? `all ${last.workersBusy} worker(s) busy for ${samples.length} samples` : "", growing ? `listen queue growing ${queue[0]} → ${last.listenQueue}` : ""].filter(Boolean).join("; ");
        return { fire: true, summary: why };
      }
      const last = samples.at(-1) as AppSample;
      return { fire: false, summary: `${last.workersIdle} of ${last.workersBusy + last.workersIdle} worker(s) idle${last.listenQueue !== null ? `, listen queue ${last.listenQueue}` : ""}` };
    }
    default:
      return null;
  }
}
