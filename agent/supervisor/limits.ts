// Resource limits on an app's cgroup (limits.memoryMb, cpuPercent, pids), on cgroup v2 or the v1
// controllers of a hybrid host, and the counters that say a limit was hit: an OOM kill, CPU
// throttling, a refused fork. Where no writable controller exists, says which limit is not applied.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { LimitsSpec } from "../../lib/protocol";
import type { AppCgroup } from "./app-cgroup";

const CPU_PERIOD_US = 100_000;

export type AppliedLimits = { memoryMb: number | null; cpuPercent: number | null; pids: number | null; unavailable: string[] };
/** Monotonic counters of limit hits, summed over the app's group. */
export type LimitCounters = { memoryHits: number; oomKills: number; throttled: number; throttledUs: number; pidsDenied: number };

function read(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function field(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\d+)`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

function tryWrite(file: string, value: string): string | null {
  try {
    writeFileSync(file, value);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** On v2 a controller must be enabled in every parent's subtree_control; the agent's own group may refuse (it holds processes). */
function enableV2(dir: string, controller: string): boolean {
  if (existsSync(path.join(dir, controller === "cpu" ? "cpu.max" : controller === "memory" ? "memory.max" : "pids.max"))) return true;
  const parents = [path.dirname(path.dirname(dir)), path.dirname(dir)];
  for (const p of parents) tryWrite(path.join(p, "cgroup.subtree_control"), `+${controller}`);
  return existsSync(path.join(dir, controller === "cpu" ? "cpu.max" : controller === "memory" ? "memory.max" : "pids.max"));
}

/** Writes the limits (absent ones reset to unlimited) on the app's group; returns what holds. */
export function applyLimits(cgroup: AppCgroup, limits: LimitsSpec | undefined): AppliedLimits {
  const want = { memoryMb: limits?.memoryMb ?? null, cpuPercent: limits?.cpuPercent ?? null, pids: limits?.pids ?? null };
  if (want.cpuPercent !== null) cgroup.joinV1Cpu();
  const groups = cgroup.groups();
  const out: AppliedLimits = { memoryMb: null, cpuPercent: null, pids: null, unavailable: [] };
  if (!groups.length) {
    if (want.memoryMb !== null || want.cpuPercent !== null || want.pids !== null) {
      out.unavailable.push("no writable cgroup on this host (the agent is not root, or cgroups are read-only): limits are not applied");
    }
    return out;
  }
  for (const g of groups) mkdirSync(g.dir, { recursive: true });
  const v2 = groups.find((g) => g.v2);
  const v1 = (name: string) => groups.find((g) => !g.v2 && g.name === name);
  const set = (key: keyof typeof want, writes: [string, string][] | null, what: string) => {
    const value = want[key];
    if (!writes) {
      if (value !== null) out.unavailable.push(`limits.${key}: ${what}`);
      return;
    }
    for (const [file, v] of writes) {
      const problem = tryWrite(file, v);
      if (problem && value !== null) {
        out.unavailable.push(`limits.${key}: cannot write ${file}: ${problem}`);
        return;
      }
    }
    out[key] = value;
  };
  const mem = v1("memory");
  const memBytes = want.memoryMb === null ? null : String(want.memoryMb * 1024 * 1024);
  if (mem) set("memoryMb", [[path.join(mem.dir, "memory.limit_in_bytes"), memBytes ?? "-1"]], "");
  else if (v2 && (want.memoryMb === null || enableV2(v2.dir, "memory"))) set("memoryMb", [[path.join(v2.dir, "memory.max"), memBytes ?? "max"]], "");
  else set("memoryMb", null, "no writable memory controller (cgroup v2 memory not delegated, no v1 memory hierarchy)");
  const pids = v1("pids");
  const pidMax = want.pids === null ? "max" : String(want.pids);
  if (pids) set("pids", [[path.join(pids.dir, "pids.max"), pidMax]], "");
  else if (v2 && (want.pids === null || enableV2(v2.dir, "pids"))) set("pids", [[path.join(v2.dir, "pids.max"), pidMax]], "");
  else set("pids", null, "no writable pids controller");
  const cpu = v1("cpu");
  const quota = want.cpuPercent === null ? null : Math.round((want.cpuPercent / 100) * CPU_PERIOD_US);
  if (cpu) set("cpuPercent", [[path.join(cpu.dir, "cpu.cfs_period_us"), String(CPU_PERIOD_US)], [path.join(cpu.dir, "cpu.cfs_quota_us"), String(quota ?? -1)]], "");
  else if (v2 && (want.cpuPercent === null || enableV2(v2.dir, "cpu"))) set("cpuPercent", [[path.join(v2.dir, "cpu.max"), `${quota ?? "max"} ${CPU_PERIOD_US}`]], "");
  else set("cpuPercent", null, "no writable cpu controller");
  return out;
}

/** The app group's limit-hit counters (v1: memory.failcnt at the app's group, where its limit is charged). */
export function readCounters(cgroup: AppCgroup): LimitCounters {
  const c: LimitCounters = { memoryHits: 0, oomKills: 0, throttled: 0, throttledUs: 0, pidsDenied: 0 };
  for (const g of cgroup.groups()) {
    if (g.v2) {
      const events = read(path.join(g.dir, "memory.events"));
      c.oomKills += field(events, "oom_kill");
      c.memoryHits += field(events, "max");
      const cpu = read(path.join(g.dir, "cpu.stat"));
      c.throttled += field(cpu, "nr_throttled");
      c.throttledUs += field(cpu, "throttled_usec");
      c.pidsDenied += field(read(path.join(g.dir, "pids.events")), "max");
    } else if (g.name === "memory") {
      c.memoryHits += Number(read(path.join(g.dir, "memory.failcnt")).trim() || 0);
      c.oomKills += field(read(path.join(g.dir, "memory.oom_control")), "oom_kill");
    } else if (g.name === "cpu") {
      const cpu = read(path.join(g.dir, "cpu.stat"));
      c.throttled += field(cpu, "nr_throttled");
      c.throttledUs += Math.round(field(cpu, "throttled_time") / 1000);
    } else if (g.name === "pids") {
      c.pidsDenied += field(read(path.join(g.dir, "pids.events")), "max");
    }
  }
  return c;
}
