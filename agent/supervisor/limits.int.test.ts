// Limits on a real cgroup (v2, or the v1 controllers of a hybrid host): limits.ts writes each
// limit where the kernel reads it, and writes "unlimited" back when the spec drops it; an agent
// that is not root finds no writable cgroup and says the limits are not applied.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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

  it("says the limits are not applied when the agent is not root (no writable cgroup)", () => {
    if (process.getuid?.() !== 0) throw new Error("run as root: the test drops to nobody");
    chmodSync(stateDir, 0o777);
    const code = `const { AppCgroup } = await import(${JSON.stringify(path.resolve("agent/supervisor/app-cgroup.ts"))});
      const { applyLimits } = await import(${JSON.stringify(path.resolve("agent/supervisor/limits.ts"))});
      console.log(JSON.stringify(applyLimits(new AppCgroup(${JSON.stringify(stateDir)}, "unprivileged"), { memoryMb: 64, pids: 10 })));`;
    const r = spawnSync("setpriv", ["--reuid", "nobody", "--regid", "nogroup", "--clear-groups", process.execPath, "--import", "tsx", "--input-type=module", "--eval", code], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split("\n").pop() ?? "")).toEqual({
      memoryMb: null,
      cpuPercent: null,
      pids: null,
      unavailable: ["no writable cgroup on this host (the agent is not root, or cgroups are read-only): limits are not applied"],
    });
  });
});
