// In-memory groups of traceback events by fingerprint: counts, first/last seen, a sample and a
// per-minute sparkline. Bounded: past `maxGroups` the least recently seen group is dropped.
import { fingerprint } from "./traceback-fingerprint";
import type { TracebackEvent, TracebackFrame, TracebackLanguage } from "./traceback-parsers";
import { isoTime } from "../../lib/protocol/iso-time";

const MINUTE = 60_000;

export type TracebackGroup = {
  fingerprint: string;
  language: TracebackLanguage;
  type: string;
  message: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** Text of the most recent event. */
  sample: string;
  frames: TracebackFrame[];
  /** Most recent distinct pids, newest last. */
  pids: number[];
  /** Events per minute, oldest first; the last entry is the current minute. */
  buckets: number[];
};

type Entry = Omit<TracebackGroup, "buckets"> & { minutes: Map<number, number> };

/** What is saved of a group: its fields and its per-minute counts (minute number → count). */
export type SavedGroup = Omit<TracebackGroup, "buckets"> & { minutes: [number, number][] };

export type GroupOptions = { maxGroups?: number; maxPids?: number; sparkMinutes?: number };

export class TracebackGroups {
  // Map order doubles as recency order: a touched group is re-inserted at the end.
  private groups = new Map<string, Entry>();
  private readonly maxGroups: number;
  private readonly maxPids: number;
  private readonly sparkMinutes: number;

  constructor(opts: GroupOptions = {}) {
    this.maxGroups = opts.maxGroups ?? 500;
    this.maxPids = opts.maxPids ?? 20;
    this.sparkMinutes = opts.sparkMinutes ?? 60;
  }

  add(event: TracebackEvent, now: number = Date.now()): TracebackGroup {
    const fp = fingerprint(event);
    const at = Number.isFinite(Date.parse(event.ts)) ? Date.parse(event.ts) : now;
    const ts = isoTime(at);
    let entry = this.groups.get(fp);
    if (entry) this.groups.delete(fp);
    else {
      entry = { fingerprint: fp, language: event.language, type: event.type, message: event.message, count: 0, firstSeen: ts, lastSeen: ts, sample: "", frames: [], pids: [], minutes: new Map() };
    }
    entry.count++;
    if (ts < entry.firstSeen) entry.firstSeen = ts;
    if (ts >= entry.lastSeen) {
      entry.lastSeen = ts;
      entry.sample = event.text;
      entry.message = event.message;
      entry.frames = event.frames;
    }
    entry.pids = [...entry.pids.filter((p) => p !== event.pid), event.pid].slice(-this.maxPids);
    const minute = Math.floor(at / MINUTE);
    entry.minutes.set(minute, (entry.minutes.get(minute) ?? 0) + 1);
    const oldest = Math.floor(now / MINUTE) - this.sparkMinutes;
    for (const m of entry.minutes.keys()) if (m <= oldest) entry.minutes.delete(m);
    this.groups.set(fp, entry);
    while (this.groups.size > this.maxGroups) {
      const first = this.groups.keys().next();
      if (first.done) break;
      this.groups.delete(first.value);
    }
    return this.snapshot(entry, now);
  }

  /** Groups, most recently seen first. */
  list(limit = this.maxGroups, now: number = Date.now()): TracebackGroup[] {
    const all = [...this.groups.values()].sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : 0));
    return all.slice(0, limit).map((e) => this.snapshot(e, now));
  }

  get(fp: string, now: number = Date.now()): TracebackGroup | null {
    const entry = this.groups.get(fp);
    return entry ? this.snapshot(entry, now) : null;
  }

  get size(): number {
    return this.groups.size;
  }

  /** Every group, least recently seen first (the order `load` restores). */
  save(): SavedGroup[] {
    return [...this.groups.values()].map(({ minutes, ...rest }) => ({ ...rest, pids: [...rest.pids], frames: [...rest.frames], minutes: [...minutes] }));
  }

  /** Restores saved groups (after an agent restart), keeping the newest `maxGroups`. */
  load(saved: readonly SavedGroup[]): void {
    for (const { minutes, ...rest } of saved.slice(-this.maxGroups)) {
      this.groups.delete(rest.fingerprint);
      this.groups.set(rest.fingerprint, { ...rest, minutes: new Map(minutes) });
    }
  }

  private snapshot(entry: Entry, now: number): TracebackGroup {
    const { minutes, ...rest } = entry;
    const current = Math.floor(now / MINUTE);
    const buckets: number[] = [];
    for (let m = current - this.sparkMinutes + 1; m <= current; m++) buckets.push(minutes.get(m) ?? 0);
    return { ...rest, pids: [...rest.pids], buckets };
  }
}
