// Processes as /proc shows them, for tests and benches that must find what a process started.
import { readdirSync, readFileSync } from "node:fs";

/** The pids whose parent is `pid` (its direct children, from any of its threads), read from /proc. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "latin1");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
