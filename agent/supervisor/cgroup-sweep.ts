// Removes empty app groups left behind (agent start): an agent that was SIGKILLed, or whose state
// dir is gone (a test's temp dir), never removes its own `stoker-*` groups, and they pile up in every
// hierarchy (the cgroup2 mount and each v1 controller). Only groups with no process in them or below
// are removed. This agent's own groups go at once (it holds its state dir's lock: nothing else makes
// them); another agent's only once created more than a minute ago, so a group a live agent has just
// made for a process it is about to start is never taken from under it (it would fall back to
// session tracking for that process if it were).
import { readdirSync, readFileSync, rmdirSync, statSync } from "node:fs";
import path from "node:path";
import { agentGroup, hierarchies } from "./app-cgroup";

const FOREIGN_MIN_AGE_MS = 60_000;

function subgroups(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

function hasProcs(dir: string): boolean {
  try {
    return readFileSync(path.join(dir, "cgroup.procs"), "utf8").trim() !== "";
  } catch {
    return true; // unreadable: leave it
  }
}

/** Removes `dir` bottom-up if nothing lives in it or below and it is old enough; true if it is gone. */
function removeIfEmpty(dir: string, minAgeMs: number, now: number): boolean {
  let left = 0;
  for (const sub of subgroups(dir)) if (!removeIfEmpty(sub, minAgeMs, now)) left++;
  if (left || hasProcs(dir)) return false;
  try {
    // cgroupfs keeps a directory's creation time as its mtime (adding children does not change it).
    if (minAgeMs && now - statSync(dir).mtimeMs < minAgeMs) return false;
    rmdirSync(dir);
    return true;
  } catch {
    return false; // a process or group appeared meanwhile
  }
}

/** Sweeps every empty `stoker-*` group under this agent's own group in each hierarchy; returns how many top-level groups went. */
export function sweepEmptyGroups(stateDir: string, now = Date.now()): number {
  const mine = agentGroup(stateDir);
  let removed = 0;
  for (const h of hierarchies()) {
    for (const dir of subgroups(h.base)) {
      const name = path.basename(dir);
      if (!name.startsWith("stoker-")) continue;
      if (removeIfEmpty(dir, name === mine ? 0 : FOREIGN_MIN_AGE_MS, now)) removed++;
    }
  }
  return removed;
}
