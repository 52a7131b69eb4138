import { describe, expect, it } from "vitest";
import type { AppSample } from "../protocol";
import { MetricsStore } from "./metrics-store";

function sample(appId: string, t: number, requests = 0): AppSample {
  return {
    appId, t, step: 10_000, cpuPercent: 1, rssBytes: 1, fds: 1, restarts: 0, processes: 1, workersBusy: 0, workersIdle: 1,
    listenQueue: 0, requests, status2xx: requests, status3xx: 0, status4xx: 0, status5xx: 0, p50Ms: null, p90Ms: null, p99Ms: null,
  };
}

describe("MetricsStore", () => {
  it("keeps one sample per interval when an agent resends after a reconnect, in time order", () => {
    const store = new MetricsStore();
    const now = Date.now();
    store.add("h1", [sample("a", now - 30_000, 1), sample("a", now - 10_000, 3)]);
    store.add("h1", [sample("a", now - 30_000, 1), sample("a", now - 20_000, 2), sample("a", now - 10_000, 3)]);
    expect(store.since("a", 0).map((s) => s.requests)).toEqual([1, 2, 3]);
    expect(store.latest("a")?.requests).toBe(3);
  });

  it("drops samples older than an hour", () => {
    const store = new MetricsStore();
    const now = Date.now();
    store.add("h1", [sample("a", now - 2 * 3_600_000), sample("a", now - 60_000)]);
    expect(store.since("a", 0)).toHaveLength(1);
  });
});
