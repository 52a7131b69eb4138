// Whether an app's log can store output now. An outage (disk full, a write that fails) begins with
// the first line that cannot be stored, counts the lines it costs, and ends with a note saying how
// many once storing works again; listeners hear both edges. Storing is retried every RETRY_MS.
import { countLines, noteLine } from "./line-shape";
import { isoNow } from "../../lib/protocol/iso-time";

/** Whether a log can store what it is given: `full` with why, or back with how many lines it dropped meanwhile. */
export type StorageState = { full: true; reason: string; since: string } | { full: false; dropped: number; reason: string; since: string };

// While full, storing is tried again this often; lines in between are counted, not written.
const RETRY_MS = 1000;

export class StorageOutage {
  private current: { reason: string; since: string; dropped: number; retryAt: number } | null = null;
  private listeners = new Set<(state: StorageState) => void>();

  get active(): boolean {
    return this.current !== null;
  }

  /** The outage in progress, if output cannot be stored now. */
  state(): StorageState | null {
    return this.current && { full: true, reason: this.current.reason, since: this.current.since };
  }

  on(listener: (state: StorageState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Lines that come before the retry time are counted, not tried: true if `data` was. */
  countIfWaiting(data: Buffer, now: number): boolean {
    if (!this.current || now >= this.current.retryAt) return false;
    this.current.dropped += countLines(data);
    return true;
  }

  /** Counts lines that could not be stored; the first of an outage tells the listeners. */
  drop(data: Buffer, reason = this.current?.reason ?? "disk full"): void {
    const retryAt = performance.now() + RETRY_MS;
    if (this.current) {
      this.current.dropped += countLines(data);
      this.current.retryAt = retryAt;
      return;
    }
    this.current = { reason, since: isoNow(), dropped: countLines(data), retryAt };
    for (const l of this.listeners) l({ full: true, reason, since: this.current.since });
  }

  /** A write failed for `reason`: the outage in progress says so, or one begins. */
  failed(reason: string): void {
    if (this.current) this.current.reason = reason;
    else this.drop(Buffer.alloc(0), reason);
  }

  /** Ends the outage if `storeNote` stores the note of how many lines it cost; false if that cannot be stored yet. */
  end(storeNote: (note: Buffer) => boolean): boolean {
    const outage = this.current;
    if (!outage) return true;
    const note = Buffer.from(noteLine(`${outage.dropped} lines dropped: ${outage.reason} (${outage.since} to ${isoNow()})`));
    if (!storeNote(note)) return false;
    this.current = null;
    for (const l of this.listeners) l({ full: false, dropped: outage.dropped, reason: outage.reason, since: outage.since });
    return true;
  }

  /**
   * While an outage lasts and no output comes: tries again once its retry time has come (`room`:
   * whether the disk has room now), so the note is written and the outage ends as soon as there is
   * room, even for an app that went quiet. Returns true while the outage goes on.
   */
  retry(now: number, room: () => boolean, storeNote: (note: Buffer) => boolean): boolean {
    const outage = this.current;
    if (!outage) return false;
    if (now < outage.retryAt) return true;
    if (!room() || !this.end(storeNote)) {
      outage.retryAt = now + RETRY_MS;
      return true;
    }
    return false;
  }

  clear(): void {
    this.listeners.clear();
  }
}
