// Storing and listing an app's process event timeline (kinds: lib/protocol/process-events.ts).
// Agents report state transitions; each is stored with the event kind it is, and read back newest
// first, a page at a time.
import "server-only";
import { processStateChanged } from "../alerts/alert-events";
import { agentHub } from "../agents/agent-hub";
import { appendAudit } from "../audit/append-audit";
import { db, type Tx } from "../db";
import { insertRows } from "../db-insert";
import { eventKindOf, type ProcessEvent, ProcessEventKindSchema, type ProcessEventPage, type ProcessState, type ProcessTransition } from "../protocol";
import { err, ok, type Result } from "../result";
import { batcher, everyFewMs, flushAll, yieldToLoop } from "../write-behind";
import { HeldBackAcks } from "./held-back-acks";

type Host = { id: string; name: string };
/** The agent run a batch's seq numbers count in, and the highest seq of the message (refused items too). */
export type AckTo = { boot: string; seq: number };
type Entry = { host: Host; t: ProcessTransition; boot?: string } | { host: Host; ack: AckTo };

/**
 * Stores a batch of an agent's transitions, with the audit rows of those that matter to people.
 * With `ack`, the agent is told once everything up to its seq is stored (it resends what is not
 * acknowledged, to whichever replica it reaches next: a (host, boot, seq) is stored once).
 */
export function recordTransitions(host: Host, transitions: ProcessTransition[], ack?: AckTo): void {
  transitionWriter().add(host, transitions, ack);
}

// Written behind (DESIGN 13): every agent's transitions of the last FLUSH_MS in one transaction,
// instead of one synchronous transaction per agent message. Readers of events and audit rows call
// flush first (write-behind's flushAll), so an API client never misses one that has arrived.
const FLUSH_MS = 250;
const MAX_QUEUED = 100_000; // bounded if the disk stays full: the oldest are dropped, and counted
const CHUNK = 250; // rows per transaction: one write holds the event loop a few ms, never long

class TransitionWriter {
  private queue: Entry[] = [];
  private chain: Promise<void> = Promise.resolve();
  private schedule = everyFewMs(FLUSH_MS, () => this.flush());
  dropped = 0;
  private eager = false;
  private heldBack = new HeldBackAcks();

  add(host: Host, transitions: ProcessTransition[], ack?: AckTo): void {
    for (const t of transitions) {
      this.queue.push({ host, t, boot: ack?.boot });
      if (ack && t.seq) this.heldBack.received(sourceOf(host.id, ack.boot), t.seq);
    }
    // The ack follows its rows in the queue: it leaves once they are committed, never before.
    if (ack) this.queue.push({ host, ack });
    if (this.queue.length > MAX_QUEUED) {
      const gone = this.queue.splice(0, this.queue.length - MAX_QUEUED);
      this.dropped += gone.length;
      // A later ack must not cover what was dropped: the agent resends it after its next reconnect.
      for (const e of gone) if ("t" in e && e.boot && e.t.seq) this.heldBack.dropped(sourceOf(e.host.id, e.boot), e.t.seq);
    }
    // A full chunk is written at the next turn of the loop: under a flood of agent frames a timer can
    // wait long, and the queue would grow to its bound (and drop) before it fired.
    if (this.queue.length >= CHUNK && !this.eager) {
      this.eager = true;
      setImmediate(() => {
        this.eager = false;
        this.flush().catch((e: unknown) => console.error("[stoker] writing process events failed:", e));
      });
    } else this.schedule();
  }

  pending(): number {
    return this.queue.length;
  }

  /** Resolves once everything queued before the call is written (or has failed and been re-queued). */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.writeQueued());
    return this.chain;
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, CHUNK);
      try {
        await writeBatch(batch.flatMap((e) => ("t" in e ? [e] : [])));
      } catch (e) {
        this.queue.unshift(...batch); // kept for the next flush (a twin another replica stored meanwhile is skipped then)
        this.schedule();
        throw e;
      }
      for (const e of batch) {
        if (!("ack" in e)) continue;
        const seq = this.heldBack.limit(sourceOf(e.host.id, e.ack.boot), e.ack.seq);
        if (seq > 0) agentHub().send(e.host.id, { type: "transitions.ack", boot: e.ack.boot, seq });
      }
      if (this.queue.length) await yieldToLoop();
    }
  }
}

const sourceOf = (hostId: string, boot: string) => `${hostId}:${boot}`;

async function writeBatch(batch: { host: Host; t: ProcessTransition; boot?: string }[]): Promise<void> {
  if (!batch.length) return;
  // Most batches have no row to audit (a fatal or an adoption does): those are written without an
  // interactive transaction, which would hold a pooled connection across several round trips and,
  // under a flood of agent frames, wait for one behind every other query (PostgreSQL's P2028).
  // The checks are reads, then one insert statement: an app deleted in between makes the insert fail (its
  // foreign key), the batch is re-queued and its next try skips that app's rows.
  const audited = batch.some((b) => needsAudit(b.t));
  const stored = audited ? await db.$transaction((tx) => insertBatch(tx, batch)) : await insertBatch(db, batch);
  // After the commit: a FATAL raises the app's alert, a process ready again clears it. (Crash loops
  // are counted from the stored rows by the alert ticker.)
  for (const t of stored) processStateChanged(t.appId, t.slot, t.to, t.detail);
}

/** The batch's rows of apps their host owns, not stored before, inserted (with their audit rows when in a transaction). */
async function insertBatch(tx: Tx, batch: { host: Host; t: ProcessTransition; boot?: string }[]): Promise<ProcessTransition[]> {
  // The last transitions of a deleted app arrive after its deletion, and an app counts only for the host that owns it.
  const ids = [...new Set(batch.map((b) => b.t.appId))];
  const owner = new Map((await tx.app.findMany({ where: { id: { in: ids } }, select: { id: true, hostId: true } })).map((a) => [a.id, a.hostId]));
  const rows = withoutTwins(
    batch.filter((b) => owner.get(b.t.appId) === b.host.id),
    await storedSeqs(tx, batch),
  );
  if (!rows.length) return [];
  // One plain multi-row INSERT (lib/db-insert.ts): Prisma's createMany cost ~0.5 ms of CPU per row.
  await insertRows(
    tx,
    "ProcessEvent",
    ["appId", "pid", "from", "to", "at", "detail", "kind", "source", "seq"],
    rows.map(({ t, host, boot }) => {
      const numbered = Boolean(boot && t.seq);
      return [t.appId, t.pid, t.from, t.to, new Date(t.at), t.detail, eventKindOf(t) ?? "", numbered ? sourceOf(host.id, boot as string) : null, numbered ? (t.seq as number) : null];
    }),
  );
  for (const { host, t } of rows) if (needsAudit(t)) await auditTransition(tx, host, t);
  return rows.map((r) => r.t);
}

/** The (source, seq) pairs of the batch already stored: resent after an ack that never arrived. */
async function storedSeqs(tx: Tx, batch: { host: Host; t: ProcessTransition; boot?: string }[]): Promise<Set<string>> {
  const numbered = batch.filter((b) => b.boot && b.t.seq);
  if (!numbered.length) return new Set();
  const found = await tx.processEvent.findMany({
    where: { source: { in: [...new Set(numbered.map((b) => sourceOf(b.host.id, b.boot as string)))] }, seq: { in: numbered.map((b) => b.t.seq as number) } },
    select: { source: true, seq: true },
  });
  return new Set(found.map((f) => `${f.source}#${f.seq}`));
}

/** Drops rows stored before and the second copy of a row resent within the batch. */
function withoutTwins<T extends { host: Host; t: ProcessTransition; boot?: string }>(rows: T[], stored: Set<string>): T[] {
  const seen = new Set(stored);
  return rows.filter((r) => {
    if (!r.boot || !r.t.seq) return true;
    const key = `${sourceOf(r.host.id, r.boot)}#${r.t.seq}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const KEY = Symbol.for("stoker.transition-writer");
function transitionWriter(): TransitionWriter {
  const g = globalThis as typeof globalThis & { [KEY]?: TransitionWriter };
  if (!g[KEY]) {
    const w = new TransitionWriter();
    g[KEY] = w;
    batcher({ name: "process events", flush: () => w.flush(), pending: () => w.pending() });
  }
  return g[KEY];
}

/** Transitions that matter to people are audited: a process given up on, one adopted. */
function needsAudit(t: ProcessTransition): boolean {
  const kind = eventKindOf(t);
  return kind === "fatal" || kind === "adopt";
}

async function auditTransition(tx: Tx, host: Host, t: ProcessTransition): Promise<void> {
  const kind = eventKindOf(t);
  await appendAudit(tx, { actor: { type: "agent", hostId: host.id, hostName: host.name }, ip: "" }, {
    action: kind === "fatal" ? "process.fatal" : "process.adopted",
    target: `app:${t.appId}`,
    after: { slot: t.slot, pid: t.pid, detail: t.detail },
    result: kind === "fatal" ? "failure" : "success",
  });
}

// The cursor is the last row's time and id: rows of one instant keep their order across pages.
function encodeCursor(at: Date, id: number): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString("base64url");
}

function decodeCursor(cursor: string): { at: Date; id: number } | null {
  const [at, id] = Buffer.from(cursor, "base64url").toString().split("|");
  const date = new Date(at ?? "");
  return Number.isNaN(date.getTime()) || !/^\d+$/.test(id ?? "") ? null : { at: date, id: Number(id) };
}

/** An app's events, newest first. Rows of the agent's inner steps are not events and are skipped. */
export async function listAppEvents(appId: string, query: { cursor?: string; limit: number }): Promise<Result<ProcessEventPage>> {
  const app = await db.app.findUnique({ where: { id: appId }, select: { id: true } });
  if (!app) return err("NOT_FOUND", "That app does not exist (it may have been deleted).");
  await flushAll(); // what agents reported a moment ago is part of the answer
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  if (query.cursor && !after) return err("BAD_REQUEST", "That cursor is not one this API gave out.");
  const rows = await db.processEvent.findMany({
    where: { appId, ...(after ? { OR: [{ at: { lt: after.at } }, { at: after.at, id: { lt: after.id } }] } : {}) },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const events: ProcessEvent[] = [];
  for (const r of page) {
    // Rows stored before kinds were: read their kind from the states.
    const stored = ProcessEventKindSchema.safeParse(r.kind);
    const kind = stored.success ? stored.data : eventKindOf({ from: r.from as ProcessState, to: r.to as ProcessState, detail: r.detail });
    if (kind) events.push({ ts: r.at.toISOString(), kind, pid: r.pid, detail: r.detail });
  }
  const last = page[page.length - 1];
  return ok({ events, nextCursor: rows.length > query.limit && last ? encodeCursor(last.at, last.id) : null });
}
