// What agents report about their hosts (facts, when last seen), held in memory and written behind
// (DESIGN 13). A `facts` message arrives every 10 s per host; it is written only when it says
// something new (uptime, load and RSS tick on every report, so they alone refresh the stored copy
// at most every REFRESH_MS), in batched transactions. The stored copy only serves hosts whose
// agent is away; while one is connected, the dashboard reads the copy in memory.
import "server-only";
import { db } from "../db";
import type { HostFacts } from "../protocol";
import { batcher, everyFewMs, yieldToLoop } from "../write-behind";

const FLUSH_MS = 2000;
const REFRESH_MS = 5 * 60_000;
const CHUNK = 200;

type Entry = { facts: HostFacts | null; seenAt: Date; storedKey: string | null; storedAt: number; dirty: boolean };

/** The part of the facts worth a write: all but the counters that change on every report. */
export function factsKey(f: HostFacts): string {
  const { uptimeS: _u, loadAvg: _l, agentRssBytes: _r, storage, ...rest } = f;
  const { freeBytes: _f, droppedLines: _d, ...disk } = storage ?? { freeBytes: null, droppedLines: 0 };
  return JSON.stringify([rest, storage ? disk : null]);
}

class HostReports {
  private entries = new Map<string, Entry>();
  private schedule = everyFewMs(FLUSH_MS, () => this.flush());
  writes = 0; // rows written since start, for the scale bench

  private entry(hostId: string): Entry {
    let e = this.entries.get(hostId);
    if (!e) {
      e = { facts: null, seenAt: new Date(), storedKey: null, storedAt: 0, dirty: false };
      this.entries.set(hostId, e);
    }
    return e;
  }

  /** An agent reported its facts: kept now, written if they differ from the stored copy. */
  facts(hostId: string, facts: HostFacts): void {
    const e = this.entry(hostId);
    e.facts = facts;
    e.seenAt = new Date();
    if (factsKey(facts) !== e.storedKey || Date.now() - e.storedAt > REFRESH_MS) this.mark(e);
  }

  /** An agent connected or went away: the time is worth storing (it is what an offline host shows). */
  seen(hostId: string): void {
    const e = this.entry(hostId);
    e.seenAt = new Date();
    this.mark(e);
  }

  lastSeen(hostId: string): Date | null {
    return this.entries.get(hostId)?.seenAt ?? null;
  }

  pending(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.dirty) n++;
    return n;
  }

  private mark(e: Entry): void {
    e.dirty = true;
    this.schedule();
  }

  async flush(): Promise<void> {
    const due = [...this.entries].filter(([, e]) => e.dirty);
    for (let i = 0; i < due.length; i += CHUNK) {
      const chunk = due.slice(i, i + CHUNK);
      // Taken before the write: a report arriving meanwhile marks its entry again.
      const taken = chunk.map(([id, e]) => {
        e.dirty = false;
        return { id, e, facts: e.facts, seenAt: e.seenAt };
      });
      try {
        await db.$transaction(
          taken.map((t) => db.host.updateMany({ where: { id: t.id }, data: { lastSeenAt: t.seenAt, ...(t.facts ? { facts: JSON.stringify(t.facts) } : {}) } })),
        );
      } catch (e) {
        for (const t of taken) t.e.dirty = true; // kept for the next flush
        this.schedule();
        throw e;
      }
      this.writes += taken.length;
      for (const t of taken) {
        if (t.facts) t.e.storedKey = factsKey(t.facts);
        t.e.storedAt = Date.now();
      }
      if (i + CHUNK < due.length) await yieldToLoop();
    }
  }
}

const KEY = Symbol.for("stoker.host-reports");
export function hostReports(): HostReports {
  const g = globalThis as typeof globalThis & { [KEY]?: HostReports };
  if (!g[KEY]) {
    const r = new HostReports();
    g[KEY] = r;
    batcher({ name: "host facts", flush: () => r.flush(), pending: () => r.pending() });
  }
  return g[KEY];
}
