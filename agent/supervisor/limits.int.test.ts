// Limits on a real cgroup (v2, or the v1 controllers of a hybrid host): limits.ts writes each
// limit where the kernel reads it, and writes "unlimited" back when the spec drops it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppCgroup } from "./app-cgroup";
import { applyLimits } from "./limits";

const stateDir = mkdtempSync(path.join(tmpdir(), "stoker-limits-"));
const groups: AppCgroup[] = [];
afterAll(() => {
  for (const g of groups) g.remove();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("limits on the app's cgroup", () => {
  it("writes memory, CPU and pids limits, and resets them when the spec drops them", () => {
    const cg = new AppCgroup(stateDir, "limited");
    groups.push(cg);
    const applied = applyLimits(cg, { memoryMb: 96, cpuPercent: 50, pids: 20 });
    expect(applied).toEqual({ memoryMb: 96, cpuPercent: 50, pids: 20, unavailable: [] });
    const files = cg.groups().map((g) => g.dir);
    const read = (name: string) => files.map((d) => { try { return readFileSync(path.join(d, name), "utf8").trim(); } catch { return null; } }).find((v) => v !== null);
    expect(read("memory.limit_in_bytes") ?? read("memory.max")).toBe(String(96 * 1048576));
    expect(read("pids.max")).toBe("20");
    expect(read("cpu.cfs_quota_us") ?? read("cpu.max")?.split(" ")[0]).toBe("50000");
    const reset = applyLimits(cg, undefined);
    expect(reset.unavailable).toEqual([]);
    expect(read("pids.max")).toBe("max");
  });
});
