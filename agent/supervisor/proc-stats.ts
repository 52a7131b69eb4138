// CPU and memory of a process from /proc, and its start time (to tell a reused pid apart).
import { readFileSync } from "node:fs";

const PAGE = 4096;

export type ProcStat = { state: string; cpuTicks: number; startTicks: number; rssBytes: number };

export function readProcStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return {
      state: rest[0],
      cpuTicks: Number(rest[11]) + Number(rest[12]),
      startTicks: Number(rest[19]),
      rssBytes: Number(rest[21]) * PAGE,
    };
  } catch {
    return null;
  }
}

export function isAlive(pid: number, startTicks?: number): boolean {
  const stat = readProcStat(pid);
  if (!stat || stat.state === "Z" || stat.state === "X") return false;
  return startTicks === undefined || stat.startTicks === startTicks;
}

/** Tracks CPU% between two samples of a process tree's CPU time, per leader pid. */
export class CpuSampler {
  private last = new Map<number, { cpuNs: number; at: number }>();

  sample(pid: number, usage: { cpuNs: number; rssBytes: number }): { cpuPercent: number; rssBytes: number } {
    const now = Date.now();
    const prev = this.last.get(pid);
    this.last.set(pid, { cpuNs: usage.cpuNs, at: now });
    const cpuPercent = prev && now > prev.at ? ((usage.cpuNs - prev.cpuNs) / 1e6 / (now - prev.at)) * 100 : 0;
    return { cpuPercent: Math.max(0, Math.round(cpuPercent * 10) / 10), rssBytes: usage.rssBytes };
  }

  /** Drops the samples of pids that are no longer in `live`. */
  keepOnly(live: Set<number>): void {
    for (const pid of this.last.keys()) if (!live.has(pid)) this.last.delete(pid);
  }
}
