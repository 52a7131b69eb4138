// When a process is due for replacement (recycle.maxRequests, maxRssMb like superlance's memmon,
// maxAgeS), and the agent's own count of the requests each process served: the distinct
// connections it was seen holding, for apps that cannot count (or recycle) themselves.
import type { RecycleSpec } from "../../lib/protocol";

export type RecycleFacts = { rssBytes: number; ageMs: number; requests: number };

export function recycleReason(spec: RecycleSpec | undefined, f: RecycleFacts): string | null {
  if (!spec) return null;
  if (spec.maxRssMb !== undefined && f.rssBytes > spec.maxRssMb * 1048576) {
    return `memory ${Math.round(f.rssBytes / 1048576)} MB passed recycle.maxRssMb ${spec.maxRssMb}`;
  }
  if (spec.maxRequests !== undefined && f.requests >= spec.maxRequests) return `served ${f.requests} requests (recycle.maxRequests ${spec.maxRequests})`;
  if (spec.maxAgeS !== undefined && f.ageMs >= spec.maxAgeS * 1000) return `running for ${Math.round(f.ageMs / 1000)} s (recycle.maxAgeS ${spec.maxAgeS})`;
  return null;
}

/**
 * Counts the connections each process takes: a connection (socket inode) it holds that it did not
 * hold at the last look is a new request. Looks come every few hundred ms, so a process that
 * answers many short requests between two looks is undercounted: a lower bound, never an overcount.
 */
export class RequestCounter {
  private seen = new Map<number, { count: number; last: Set<number> }>();

  observe(pid: number, connections: number[]): number {
    const entry = this.seen.get(pid) ?? { count: 0, last: new Set<number>() };
    for (const c of connections) if (!entry.last.has(c)) entry.count++;
    entry.last = new Set(connections);
    this.seen.set(pid, entry);
    return entry.count;
  }

  count(pid: number): number {
    return this.seen.get(pid)?.count ?? 0;
  }

  keepOnly(pids: Set<number>): void {
    for (const pid of this.seen.keys()) if (!pids.has(pid)) this.seen.delete(pid);
  }
}
