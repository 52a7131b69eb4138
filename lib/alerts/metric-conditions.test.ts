import { describe, expect, it } from "vitest";
import type { AppSample } from "../protocol";
import { judgeMetrics } from "./metric-conditions";

const sample = (over: Partial<AppSample>): AppSample => ({
  appId: "a", t: 0, step: 10_000, cpuPercent: 0, rssBytes: 0, fds: 0, restarts: 0, processes: 2, workersBusy: 0, workersIdle: 2, listenQueue: 0,
  requests: 0, status2xx: 0, status3xx: 0, status4xx: 0, status5xx: 0, p50Ms: null, p90Ms: null, p99Ms: null, ...over,
});

// A clear carries the value now: the recovery message says it ("Now: …").
describe("metric conditions", () => {
  it("fires on a 5xx rate at the threshold, not on too few requests to judge", () => {
    expect(judgeMetrics("app.http.5xx-rate", [sample({ requests: 100, status5xx: 5 })], { threshold: 5, count: 20 })).toMatchObject({ fire: true });
    expect(judgeMetrics("app.http.5xx-rate", [sample({ requests: 100, status5xx: 4 })], { threshold: 5, count: 20 })).toEqual({ fire: false, summary: "4.0% of 100 requests answered 5xx (threshold 5%)" });
    expect(judgeMetrics("app.http.5xx-rate", [sample({ requests: 2, status5xx: 2 })], { threshold: 5, count: 20 })).toEqual({ fire: false, summary: "2 request(s) in the window, under the 20 a rate needs" });
  });

  it("fires on a p99 latency at or above the threshold over the window", () => {
    expect(judgeMetrics("app.http.p99-latency", [sample({ p99Ms: 2500 }), sample({ p99Ms: 1600 })], { threshold: 2000 })).toMatchObject({ fire: true });
    expect(judgeMetrics("app.http.p99-latency", [sample({ p99Ms: 2500 }), sample({ p99Ms: 1000 })], { threshold: 2000 })).toEqual({ fire: false, summary: "p99 latency 1750 ms (threshold 2000 ms)" });
  });

  it("fires when every worker stays busy, or the listen queue keeps growing; needs two samples", () => {
    const busy = sample({ workersBusy: 2, workersIdle: 0, listenQueue: 0 });
    expect(judgeMetrics("app.workers.saturated", [busy], {})).toBeNull();
    expect(judgeMetrics("app.workers.saturated", [busy, busy], {})).toMatchObject({ fire: true });
    expect(judgeMetrics("app.workers.saturated", [sample({ listenQueue: 1 }), sample({ listenQueue: 4 })], {})).toMatchObject({ fire: true, summary: expect.stringContaining("1 → 4") });
    expect(judgeMetrics("app.workers.saturated", [sample({ listenQueue: 4 }), sample({ listenQueue: 1 })], {})).toEqual({ fire: false, summary: "2 of 2 worker(s) idle, listen queue 1" });
    expect(judgeMetrics("app.workers.saturated", [busy, sample({})], {})).toMatchObject({ fire: false });
  });
});
