import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AppSample } from "../../lib/protocol";
import { COARSE_MS, FINE_MS, PROCESS_HISTORY_MAX, SampleStore } from "./sample-store";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function store(): { dir: string; s: SampleStore } {
  const dir = mkdtempSync(path.join(tmpdir(), "stoker-samples-"));
  dirs.push(dir);
  return { dir, s: new SampleStore(dir) };
}

function sample(t: number, over: Partial<AppSample> = {}): AppSample {
  return {
    appId: "a", t, step: FINE_MS, cpuPercent: 10, rssBytes: 100, fds: 5, restarts: 0, processes: 1, workersBusy: 1, workersIdle: 1,
    listenQueue: 0, requests: 10, status2xx: 9, status3xx: 0, status4xx: 0, status5xx: 1, p50Ms: 5, p90Ms: 9, p99Ms: 20, ...over,
  };
}

describe("SampleStore", () => {
  it("closes a 5-minute bucket into one aggregate: counters summed, gauges averaged, worst queue and p99", () => {
    const { s } = store();
    const start = Math.floor(Date.now() / COARSE_MS) * COARSE_MS - 2 * COARSE_MS;
    for (let i = 0; i < 30; i++) s.append(sample(start + i * FINE_MS, { cpuPercent: i % 2 ? 10 : 30, listenQueue: i === 7 ? 4 : 0, p99Ms: i === 3 ? 80 : 20 }));
    s.append(sample(start + 30 * FINE_MS)); // the next bucket begins
    const coarse = s.query("a", 0, Date.now(), Date.now() + 2 * 86_400_000); // a range beyond a day reads the 5-minute tier
    expect(coarse).toHaveLength(1);
    expect(coarse[0]).toMatchObject({ t: start + COARSE_MS, step: COARSE_MS, requests: 300, status5xx: 30, cpuPercent: 20, listenQueue: 4, p99Ms: 80, p50Ms: 5 });
  });

  it("reads its samples back after a restart (a new store on the same dir) and skips a torn last line", () => {
    const { dir, s } = store();
    const t0 = Math.floor(Date.now() / FINE_MS) * FINE_MS - 10 * FINE_MS;
    for (let i = 0; i < 5; i++) s.append(sample(t0 + i * FINE_MS, { requests: i }));
    const file = path.join(dir, "a", "10s.jsonl");
    appendFileSync(file, "[1,2,"); // a crash mid-write
    const again = new SampleStore(dir);
    expect(again.query("a", t0, Date.now()).map((x) => x.requests)).toEqual([0, 1, 2, 3, 4]);
    again.append(sample(t0 + 5 * FINE_MS, { requests: 5 })); // written after the torn line, not onto it
    expect(new SampleStore(dir).query("a", t0, Date.now()).map((x) => x.requests)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(readFileSync(file, "utf8")).toContain("[1,2,\n");
  });

  it("keeps the same interval once", () => {
    const { s } = store();
    const t = Math.floor(Date.now() / FINE_MS) * FINE_MS;
    s.append(sample(t, { requests: 1 }));
    s.append(sample(t, { requests: 2 }));
    expect(s.query("a", t - FINE_MS, t).map((x) => x.requests)).toEqual([1]);
  });

  it("keeps each process's history (10 s and 5-minute tiers, across a restart), only when asked, for at most 16 processes", () => {
    const { dir, s } = store();
    const start = Math.floor(Date.now() / COARSE_MS) * COARSE_MS - 2 * COARSE_MS;
    const proc = (slot: number, i: number) => ({ slot, pid: 100 + slot, cpuPercent: slot === 0 ? (i % 2 ? 10 : 30) : 5, rssBytes: (slot + 1) * 1000, fds: 7 + slot, workersBusy: i < 20 ? 1 : 0, workersIdle: i < 20 ? 0 : 1 });
    for (let i = 0; i < 30; i++) s.append(sample(start + i * FINE_MS, { processes: 20, perProcess: Array.from({ length: 20 }, (_, slot) => proc(slot, i)) }));
    s.append(sample(start + 30 * FINE_MS, { perProcess: [proc(0, 0)] })); // the next bucket begins
    const fine = s.query("a", start, start + 2 * FINE_MS, Date.now(), true);
    expect(fine).toHaveLength(3);
    expect(fine[0].perProcess).toHaveLength(PROCESS_HISTORY_MAX);
    expect(fine[1].perProcess?.[2]).toEqual(proc(2, 1));
    // Not asked: the app figures alone (from memory), as before.
    expect(s.query("a", start, start + 2 * FINE_MS)[0].perProcess).toBeUndefined();
    // A new store on the same dir (an agent restart) reads them back.
    expect(new SampleStore(dir).query("a", start, start, Date.now(), true)[0].perProcess?.[1]).toEqual(proc(1, 0));
    const coarse = s.query("a", 0, Date.now(), Date.now() + 2 * 86_400_000, true);
    expect(coarse).toHaveLength(1);
    expect(coarse[0].perProcess?.[0]).toEqual({ slot: 0, pid: 100, cpuPercent: 20, rssBytes: 1000, fds: 7, workersBusy: 1, workersIdle: 0 });
    expect(coarse[0].perProcess).toHaveLength(PROCESS_HISTORY_MAX);
  });

  it("answers a day's range from the 10 s tier even when it starts a little more than a day ago (the asker's clock)", () => {
    const { s } = store();
    const now = Date.now();
    const t = Math.floor(now / FINE_MS) * FINE_MS;
    s.append(sample(t - FINE_MS));
    s.append(sample(t));
    expect(s.query("a", now - 86_400_000 - 50, now, now + 20)).toHaveLength(2);
  });

  it("stays bounded on disk: 10 s samples past a day keep about a day, 5-minute ones past 30 days about 30 days", () => {
    const { dir, s } = store();
    const lines = (f: string) => readFileSync(path.join(dir, "a", f), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as number[]);
    const day = 86_400_000;
    // 1.3 days of 10 s samples: the 10 s file is cut back to a day once it holds 10 % more.
    const end = Math.floor(Date.now() / FINE_MS) * FINE_MS;
    const n = Math.round((1.3 * day) / FINE_MS);
    for (let i = n - 1; i >= 0; i--) s.append(sample(end - i * FINE_MS));
    const fine = lines("10s.jsonl");
    expect(fine.length).toBeLessThanOrEqual(Math.ceil((day / FINE_MS) * 1.1));
    expect(fine[0][0]).toBeGreaterThanOrEqual(end - 1.1 * day);
    expect(fine.at(-1)?.[0]).toBe(end);
    expect(statSync(path.join(dir, "a", "10s.jsonl")).size).toBeLessThan(1.5e6);

    // 40 days, one sample per 5 minutes (each closes a bucket): the 5-minute file keeps about 30 days.
    const { dir: dir2, s: s2 } = store();
    const days = 40;
    const start = Math.floor(Date.now() / COARSE_MS) * COARSE_MS - days * day;
    for (let t = start; t <= start + days * day; t += COARSE_MS) s2.append(sample(t));
    const coarse = readFileSync(path.join(dir2, "a", "5m.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as number[]);
    expect(coarse.length).toBeLessThanOrEqual(Math.ceil(((30 * day) / COARSE_MS) * 1.1));
    expect(coarse[0][0]).toBeGreaterThanOrEqual(start + (days - 30 * 1.1) * day);
    expect(coarse.length).toBeGreaterThan((29 * day) / COARSE_MS); // and still holds the month
  });
});
