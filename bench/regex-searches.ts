// 100 concurrent `?regex=` log searches in one process (as 100 viewers would start on one agent):
// peak RSS and wall time. `node --import tsx bench/regex-searches.ts [N]`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { LogStore } from "../agent/logs/log-store";
import { searchLogs } from "../agent/logs/search";

const n = Number(process.argv[2] ?? 100);
const dir = mkdtempSync(path.join(tmpdir(), "stoker-regex-bench-"));
const store = new LogStore(dir, { fileBytes: 4 << 20, totalBytes: 64 << 20 });
for (let i = 0; i < 50_000; i++) store.write(1, "out", `2026-12-05 12:00:00 INFO request ${i} took ${i % 997} ms path=/api/v1/items/${i % 313}\n`);
store.close();

const base = process.memoryUsage().rss;
let peak = base;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
const started = performance.now();
const plain = process.argv[3] === "plain"; // the same searches without a regex: what the scan itself costs
const results = await Promise.all(Array.from({ length: n }, (_, i) => searchLogs(dir, plain ? { q: `took ${i % 10}`, limit: 200 } : { regex: `took (${i % 10}|9\\d)\\d ms`, limit: 200 })));
const ms = performance.now() - started;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
const failed = results.filter((r) => !r.ok).length;
console.log(`${n} concurrent regex searches: ${Math.round(ms)} ms, RSS ${(base / 2 ** 20).toFixed(0)} MiB before, peak ${(peak / 2 ** 20).toFixed(0)} MiB (+${((peak - base) / 2 ** 20).toFixed(0)} MiB), ${failed} failed`);
rmSync(dir, { recursive: true, force: true });
