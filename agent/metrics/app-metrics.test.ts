// The CPU% of a stored sample is the change in each process tree's CPU time since the last stored
// sample, for every app the agent runs, not only the last one it reads.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { OsProcess } from "../supervisor/spawn-process";
import { AppMetrics, type MetricsSource } from "./app-metrics";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-app-metrics-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A process whose tree has used `cpuNs()` so far; no real pid, so it holds no socket or fds. */
function fakeProc(pid: number, cpuNs: () => number): OsProcess {
  return { pid, startTicks: pid, usage: () => ({ cpuNs: cpuNs(), rssBytes: 1000, pids: 1 }), pids: () => [] } as unknown as OsProcess;
}

function source(appId: string, proc: OsProcess): MetricsSource {
  return { appId, socket: { path: path.join(dir, `${appId}.sock`) } as MetricsSource["socket"], view: () => ({ processes: [{ slot: 0, proc }], restarts: 0, socketFd: null }) };
}

describe("AppMetrics CPU", () => {
  it("gives every app its CPU% over the interval, whatever the number of apps", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const start = Date.parse("2026-12-06T08:00:00Z");
      vi.setSystemTime(start);
      // Each app's tree burns half a core: 5 s of CPU per 10 s interval.
      const burn = () => (Date.now() - start) * 0.5 * 1e6;
      const apps = ["a", "b", "c"].map((id, i) => source(id, fakeProc(1000 + i, burn)));
      const m = new AppMetrics(path.join(dir, "state"), () => apps, 10_000);
      m.tick(start); // the base
      vi.setSystemTime(start + 10_000);
      m.tick(start + 10_000);
      vi.setSystemTime(start + 20_000);
      const third = m.tick(start + 20_000);
      // Before: each app's read dropped the bases of every other app, so only the last app read had one.
      expect(third.map((s) => [s.appId, s.cpuPercent])).toEqual([
        ["a", 50],
        ["b", 50],
        ["c", 50],
      ]);
    } finally {
      vi.useRealTimers();
    }
  });
});
