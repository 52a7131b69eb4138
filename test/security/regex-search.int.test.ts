// Issue 17 item 8 (searches): a viewer's `?regex=` cannot hang the agent or make it start a thread per
// search. Patterns run on RE2 (linear time); 100 concurrent searches stay within a bounded memory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogStore } from "@/agent/logs/log-store";
import { searchLogs } from "@/agent/logs/search";
import { Tally } from "./tally";

const tally = new Tally("item 8: regex searches are bounded");
const dir = mkdtempSync(path.join(tmpdir(), "stoker-regex-sec-"));

beforeAll(() => {
  const store = new LogStore(dir, { fileBytes: 4 << 20, totalBytes: 64 << 20 });
  store.write(1, "err", `${"a".repeat(50_000)}!\n`);
  for (let i = 0; i < 10_000; i++) store.write(1, "out", `INFO request ${i} took ${i % 997} ms\n`);
  store.close();
});

afterAll(() => {
  tally.report();
  rmSync(dir, { recursive: true, force: true });
});

describe("regex searches", () => {
  it("answers patterns that are catastrophic for a backtracking engine at once", async () => {
    for (const regex of ["(a+)+$", "(a|aa)+$", "(a*)*b", "^(a?){25}a{25}$"]) {
      await tally.attack(`pattern ${regex} on a 50 KB line`, async () => {
        const started = Date.now();
        const res = await searchLogs(dir, { regex, limit: 10 });
        const ms = Date.now() - started;
        return (res.ok && ms < 3_000) || `${res.ok ? "ok" : res.code} after ${ms} ms`;
      });
    }
    tally.expectAllRefused(4);
  });

  it("runs 100 concurrent searches without a thread each and within bounded memory", async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => searchLogs(dir, { regex: `took (${i % 10}|9\\d)\\d ms`, limit: 50 })));
    clearInterval(sampler);
    // Each is answered: a page, or RATE_LIMITED past the agent's cap (regex-search-cap.int.test.ts).
    expect(results.every((r) => r.ok || r.code === "RATE_LIMITED")).toBe(true);
    expect(results.some((r) => r.ok)).toBe(true);
    // One worker thread per search (the old matcher) took ~9 MiB each: 100 searches grew RSS by ~900 MiB.
    await tally.attack("100 concurrent regex searches", () => peak - before < 300 << 20 || `RSS grew ${Math.round((peak - before) / 2 ** 20)} MiB`);
    tally.expectAllRefused();
  }, 120_000);

  it("refuses patterns whose program is too big before they hold the agent's event loop", async () => {
    // Linear time, but (program size) x (line length): `.{1000}` x 60 held the event loop ~12 s on one 16 KB line.
    const huge = [".{1000}".repeat(60), "\\pL{1000}".repeat(50), "(\\pL{1000}|\\pN{1000})".repeat(20), "((.{10}){10}){10}".repeat(25), "[\\s\\S]{1000}".repeat(40)].map((p) => p.slice(0, 512));
    for (const regex of huge) {
      await tally.attack(`pattern ${regex.slice(0, 24)}… (${regex.length} chars) on 16 KB lines`, async () => {
        let last = performance.now();
        let stall = 0;
        const ticker = setInterval(() => {
          stall = Math.max(stall, performance.now() - last);
          last = performance.now();
        }, 5);
        const res = await searchLogs(dir, { regex, limit: 10 });
        stall = Math.max(stall, performance.now() - last);
        clearInterval(ticker);
        if (res.ok || res.code !== "BAD_REQUEST") return `${res.ok ? "ran" : res.code}, event loop held ${Math.round(stall)} ms`;
        return stall < 1_000 || `refused, but only after holding the event loop ${Math.round(stall)} ms`;
      });
    }
    // Ordinary patterns, counted repeats included, still run.
    for (const regex of ["[a-z]{1,64}@[a-z]{1,64}\\.[a-z]{2,10}", "\\b[0-9a-f]{32}\\b", "^\\d{4}-\\d{2}-\\d{2}T.*(ERROR|FATAL)", "took (1|9\\d)\\d ms"]) {
      expect((await searchLogs(dir, { regex, limit: 1 })).ok, regex).toBe(true);
    }
    tally.expectAllRefused(huge.length);
  }, 300_000);
});
