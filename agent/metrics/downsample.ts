// Merges an app's samples into one covering a longer interval (10 s → 5 min): gauges averaged,
// counters summed, restarts the last total, the queue its worst. Latency percentiles cannot be
// merged exactly: p50 and p90 are request-weighted means of the parts, p99 the worst part's.
import type { AppSample, ProcessSample } from "../../lib/protocol";

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const round = (n: number) => Math.round(n * 1000) / 1000;

function weighted(parts: AppSample[], key: "p50Ms" | "p90Ms"): number | null {
  let sum = 0;
  let weight = 0;
  for (const p of parts) {
    const v = p[key];
    if (v === null || !p.requests) continue;
    sum += v * p.requests;
    weight += p.requests;
  }
  return weight ? round(sum / weight) : null;
}

export function aggregate(appId: string, t: number, step: number, parts: AppSample[]): AppSample {
  const last = parts[parts.length - 1];
  const sum = (k: "requests" | "status2xx" | "status3xx" | "status4xx" | "status5xx") => parts.reduce((n, p) => n + p[k], 0);
  const queues = parts.map((p) => p.listenQueue).filter((q): q is number => q !== null);
  const p99s = parts.map((p) => p.p99Ms).filter((v): v is number => v !== null);
  return {
    appId,
    t,
    step,
    cpuPercent: round(mean(parts.map((p) => p.cpuPercent))),
    rssBytes: Math.round(mean(parts.map((p) => p.rssBytes))),
    fds: last.fds,
    restarts: last.restarts,
    processes: last.processes,
    workersBusy: round(mean(parts.map((p) => p.workersBusy))),
    workersIdle: round(mean(parts.map((p) => p.workersIdle))),
    listenQueue: queues.length ? Math.max(...queues) : null,
    requests: sum("requests"),
    status2xx: sum("status2xx"),
    status3xx: sum("status3xx"),
    status4xx: sum("status4xx"),
    status5xx: sum("status5xx"),
    p50Ms: weighted(parts, "p50Ms"),
    p90Ms: weighted(parts, "p90Ms"),
    p99Ms: p99s.length ? Math.max(...p99s) : null,
  };
}

/** Each slot over the parts it appears in: CPU and RSS averaged, fds and pid the last, workers the rounded mean. */
export function aggregateProcesses(parts: ProcessSample[][]): ProcessSample[] {
  const bySlot = new Map<number, ProcessSample[]>();
  for (const part of parts) for (const p of part) bySlot.set(p.slot, [...(bySlot.get(p.slot) ?? []), p]);
  return [...bySlot.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([slot, ps]) => {
      const last = ps[ps.length - 1] as ProcessSample;
      return {
        slot,
        pid: last.pid,
        cpuPercent: Math.round(mean(ps.map((p) => p.cpuPercent)) * 10) / 10,
        rssBytes: Math.round(mean(ps.map((p) => p.rssBytes))),
        fds: last.fds,
        workersBusy: Math.round(mean(ps.map((p) => p.workersBusy))),
        workersIdle: Math.round(mean(ps.map((p) => p.workersIdle))),
      };
    });
}
