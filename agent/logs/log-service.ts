// Per-app log services on the agent: traceback groups fed by every line, and the live tail
// sent to the control plane in small batches while someone follows the app (bounded: excess
// lines are counted as dropped, they stay on disk and can be read back by position).
import type { BatchSource } from "./log-batch";
import type { LogLine } from "./log-store";
import { TracebackStore } from "./traceback-store";
import { type TracebackEvent, type TracebackGroup, TracebackGroups, watchTracebacks } from "./tracebacks";

export type LinesSender = (appId: string, lines: LogLine[], dropped: number) => void;

// Short: a line waits at most this long for its batch (latency), and floods still go out in batches.
const FLUSH_MS = 15;
const MAX_BATCH = 5000;

type Attached = {
  groups: TracebackGroups;
  stop: () => void;
  following: boolean;
  followers: Map<string, number>; // who follows (one per control-plane replica, "" with one process) → until when
  pending: LogLine[];
  dropped: number;
  // Recent causes, for linking a web server's "premature end of headers" to one of them.
  recentTracebacks: TracebackEvent[];
  recentExits: { ts: string; text: string }[];
  premature: number[]; // times of the web server's "premature end of headers" lines
};
const PREMATURE_WINDOW_MS = 10 * 60_000;
const PREMATURE = /premature|prematurely closed|End of script output before headers/i;
const RECENT = 50;
// A replica's follow lasts this long unless it says so again (lib/live/log-follows.ts renews every
// 20 s): a replica that died while a browser followed does not leave the tail on for good.
const FOLLOW_LEASE_MS = Number(process.env.STOKER_FOLLOW_LEASE_MS) || 60_000;

export class LogService {
  private apps = new Map<string, Attached>();
  private timer: NodeJS.Timeout | null = null;
  private sender: LinesSender | null = null;
  private readonly store: TracebackStore | null;

  /** `stateDir`: where traceback groups are kept across agent restarts (none: memory only). */
  constructor(stateDir?: string) {
    this.store = stateDir ? new TracebackStore(`${stateDir}/tracebacks`) : null;
  }

  setSender(sender: LinesSender | null): void {
    this.sender = sender;
  }

  attach(appId: string, sink: BatchSource): void {
    this.detach(appId);
    const groups = new TracebackGroups();
    this.store?.load(appId, groups);
    const entry: Attached = { groups, stop: () => {}, following: false, followers: new Map(), pending: [], dropped: 0, recentTracebacks: [], recentExits: [], premature: [] };
    const stopTracebacks = watchTracebacks(sink, (e) => {
      groups.add(e);
      this.store?.changed(appId, groups);
      entry.recentTracebacks = [...entry.recentTracebacks.slice(1 - RECENT), e];
    });
    const unsubscribe = sink.onBatch((batch) => {
      // Agent notes and web-server lines (pid 0) are few: look at each of them.
      for (const l of batch.pid === 0 ? batch.lines() : []) {
        if (l.text.startsWith("[stoker] process ")) entry.recentExits = [...entry.recentExits.slice(1 - RECENT), { ts: l.ts, text: l.text.slice(9) }];
        if (l.stream === "web" && PREMATURE.test(l.text)) entry.premature = [...entry.premature.slice(1 - RECENT), Date.now()];
      }
      if (!entry.following || !this.stillFollowed(entry)) return;
      const lines = batch.lines();
      const room = Math.max(0, MAX_BATCH - entry.pending.length);
      if (room) entry.pending.push(...lines.slice(0, room));
      entry.dropped += Math.max(0, lines.length - room);
      this.schedule();
    });
    entry.stop = () => {
      unsubscribe();
      stopTracebacks();
    };
    this.apps.set(appId, entry);
  }

  /** Stops watching an app's lines; its saved groups stay for the next attach (agent restart). */
  detach(appId: string): void {
    const entry = this.apps.get(appId);
    entry?.stop();
    if (entry) this.store?.flush(appId, entry.groups);
    this.apps.delete(appId);
  }

  /** The app is gone: so are its traceback groups. */
  forget(appId: string): void {
    this.detach(appId);
    this.store?.remove(appId);
  }

  /** Agent shutdown: what is pending goes to disk now. */
  flushAll(): void {
    for (const [appId, entry] of this.apps) this.store?.flush(appId, entry.groups);
  }

  /** The live tail is on while anyone follows: a replica's off leaves another replica's follow alone. */
  follow(appId: string, on: boolean, by = ""): boolean {
    const entry = this.apps.get(appId);
    if (!entry) return false;
    // One process ("") follows until it says otherwise: its socket closing ends every follow (unfollowAll).
    if (on) entry.followers.set(by, by ? Date.now() + FOLLOW_LEASE_MS : Number.POSITIVE_INFINITY);
    else entry.followers.delete(by);
    this.refresh(entry);
    return true;
  }

  /** Drops follows whose lease ran out; whether anyone still follows. */
  private stillFollowed(entry: Attached): boolean {
    const now = Date.now();
    for (const [by, until] of entry.followers) if (until < now) entry.followers.delete(by);
    return this.refresh(entry);
  }

  private refresh(entry: Attached): boolean {
    entry.following = entry.followers.size > 0;
    if (!entry.following) {
      entry.pending = [];
      entry.dropped = 0;
    }
    return entry.following;
  }

  /** After a reconnect nobody is known to follow anything until the control plane says so again. */
  unfollowAll(): void {
    for (const entry of this.apps.values()) {
      entry.followers.clear();
      entry.following = false;
      entry.pending = [];
      entry.dropped = 0;
    }
  }

  recentPremature(appId: string): number {
    const since = Date.now() - PREMATURE_WINDOW_MS;
    return this.apps.get(appId)?.premature.filter((t) => t >= since).length ?? 0;
  }

  recent(appId: string): { tracebacks: TracebackEvent[]; exits: { ts: string; text: string }[] } {
    const e = this.apps.get(appId);
    return { tracebacks: e?.recentTracebacks ?? [], exits: e?.recentExits ?? [] };
  }

  tracebacks(appId: string): TracebackGroup[] {
    return this.apps.get(appId)?.groups.list() ?? [];
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      for (const [appId, entry] of this.apps) {
        if (!entry.pending.length && !entry.dropped) continue;
        const lines = entry.pending;
        const dropped = entry.dropped;
        entry.pending = [];
        entry.dropped = 0;
        this.sender?.(appId, lines, dropped);
      }
    }, FLUSH_MS);
  }
}
