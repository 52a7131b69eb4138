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

/**
 * Tracks CPU% of a process tree, per leader pid, over at least MIN_SPAN_MS: status reports come in
 * bursts (every change, 20 ms apart), and a rate over a few milliseconds is mostly rounding of the
 * kernel's tick counts. Between two readings a full span apart the last rate is repeated.
 */
const MIN_SPAN_MS = 2000;

export class CpuSampler {
  private last = new Map<number, { cpuNs: number; at: number; percent: number }>();

  sample(pid: number, usage: { cpuNs: number; rssBytes: number }): { cpuPercent: number; rssBytes: number } {
    const now = Date.now();
    const prev = this.last.get(pid);
    if (prev && now - prev.at < MIN_SPAN_MS) return { cpuPercent: prev.percent, rssBytes: usage.rssBytes };
    const cpuPercent = prev && now > prev.at ? ((usage.cpuNs - prev.cpuNs) / 1e6 / (now - prev.at)) * 100 : 0;
    const percent = Math.max(0, Math.round(cpuPercent * 10) / 10);
    this.last.set(pid, { cpuNs: usage.cpuNs, at: now, percent });
    return { cpuPercent: percent, rssBytes: usage.rssBytes };
  }

  /** Drops the samples of pids that are no longer in `live`. */
  keepOnly(live: Set<number>): void {
    for (const pid of this.last.keys()) if (!live.has(pid)) this.last.delete(pid);
  }
}
