// The host's memory as the kernel estimates what new processes can get (MemAvailable), for the
// process manager's "may another process start" check.
import { readFileSync } from "node:fs";
import os from "node:os";

export function availableMemoryBytes(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux: the coarser free figure
  }
  return os.freemem();
}

export function totalMemoryBytes(): number {
  return os.totalmem();
}
