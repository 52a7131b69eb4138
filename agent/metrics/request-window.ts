// Requests of one app over one sample interval, from its web server's access log: how many, by
// status class, and their latency percentiles. Latencies beyond MAX_KEPT are reservoir-sampled,
// so an interval at any request rate costs bounded memory.
const MAX_KEPT = 10_000;

export type RequestCounts = { requests: number; status2xx: number; status3xx: number; status4xx: number; status5xx: number };
export type RequestSummary = RequestCounts & { p50Ms: number | null; p90Ms: number | null; p99Ms: number | null };

const emptyCounts = (): RequestCounts => ({ requests: 0, status2xx: 0, status3xx: 0, status4xx: 0, status5xx: 0 });

/** The value at quantile q of sorted `xs` (nearest rank), or null when empty. */
export function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round(sorted[rank] * 1000) / 1000;
}

export class RequestWindow {
  private counts = emptyCounts();
  private latencies: number[] = [];
  /** Since the agent started counting (Prometheus counters). */
  readonly totals = { ...emptyCounts(), latencyMsSum: 0 };

  add(status: number, ms: number): void {
    const c = this.counts;
    c.requests++;
    this.totals.requests++;
    this.totals.latencyMsSum += ms;
    const cls = Math.floor(status / 100);
    const key = cls === 2 ? "status2xx" : cls === 3 ? "status3xx" : cls === 4 ? "status4xx" : cls === 5 ? "status5xx" : null;
    if (key) {
      c[key]++;
      this.totals[key]++;
    }
    if (this.latencies.length < MAX_KEPT) this.latencies.push(ms);
    else {
      const i = Math.floor(Math.random() * c.requests);
      if (i < MAX_KEPT) this.latencies[i] = ms;
    }
  }

  /** The interval so far, without ending it (a scrape between two samples). */
  peek(): RequestSummary {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return { ...this.counts, p50Ms: quantile(sorted, 0.5), p90Ms: quantile(sorted, 0.9), p99Ms: quantile(sorted, 0.99) };
  }

  /** Ends the interval: its summary, and a fresh one begins. */
  take(): RequestSummary {
    const s = this.peek();
    this.counts = emptyCounts();
    this.latencies = [];
    return s;
  }
}
