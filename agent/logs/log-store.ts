// One app's durable log: every line of every process, appended to `<dir>/app.log` exactly as the
// process wrote it, with an index beside it (`app.idx`: one record per batch with its time, pid and
// stream), rotated by size under a total cap (log-rotation.ts). Listeners get the same lines as
// batches; while the disk is full, lines are counted instead (storage-outage.ts).
// Written by the log ingest (ingest.ts); the rest of the agent talks to it through LogSink.
import { closeSync, constants, fstatSync, ftruncateSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";
import { LogBatch } from "./log-batch";
import { RoomGuard } from "./disk-space";
import { formatIndexRecord, indexHeader } from "./log-index";
import { MAX_LINE, mayHaveLongLine, normalize } from "./line-shape";
import { type LogLimits, pairIndexWithLog, readBase, shiftNames, writeBase } from "./log-rotation";
import { type CutLine, repairLogEnd } from "./log-tail";
import { lockLogWriter } from "./log-writer-lock";
import { discard, reasonOf, writeAll } from "./log-write-io";
import { SpliceError, spliceToFile } from "../native";
import { type StorageState, StorageOutage } from "./storage-outage";
import { isoNow } from "../../lib/protocol/iso-time";

export type { LogLimits } from "./log-rotation";
export type { StorageState } from "./storage-outage";
export type LogStream = "out" | "err" | "web";
/** `seq` is the line's position in the app's whole log (bytes before it, across rotations). */
export type LogLine = { ts: string; pid: number; stream: LogStream; text: string; seq?: number };

export const DEFAULT_LOG_LIMITS: LogLimits = { fileBytes: 16 << 20, totalBytes: 128 << 20 };
const NEWLINE = Buffer.from("\n");
const EINVAL = 22;

export class LogStore {
  private fd = -1;
  private indexFd = -1; // both -1 while not open (a full disk stopped opening or rotating)
  private readonly lockFd: number; // the one-writer lock on the log's directory (log-writer-lock.ts)
  private size = 0; // bytes in app.log
  private indexSize = 0; // bytes in app.idx
  private base: number; // bytes in files rotated away before the current one
  private listeners = new Set<(batch: LogBatch) => void>();
  private readonly room: RoomGuard;
  // While output cannot be stored: lines are counted, and a note says how many once storing works again.
  private readonly outage = new StorageOutage();
  private partial = new Map<string, Buffer>(); // each stream's unfinished line
  // A line a killed writer left cut short at the end of app.log (log-tail.ts), whose rest is still in
  // its pipe: it stays in the file, kill-safe, and the rest is moved in right after it. Until then
  // the agent's own notes wait (`deferred`); other output takes it out first (settleCut).
  private cut: (CutLine & { key: string }) | null = null;
  private deferred: Buffer[] = [];
  private closed = false;
  private spliceable = true; // false on a filesystem that cannot take splice(2): output is read and written
  readonly file: string;
  private readonly indexFile: string;

  constructor(
    readonly dir: string,
    private limits: LogLimits = DEFAULT_LOG_LIMITS,
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, "app.log");
    this.indexFile = path.join(dir, "app.idx");
    this.base = readBase(dir);
    this.room = new RoomGuard(dir);
    this.lockFd = lockLogWriter(dir); // before anything is read or written: the size and end are ours from here on
    try {
      this.open();
    } catch (e) {
      this.outage.drop(Buffer.alloc(0), reasonOf(e)); // a full disk at start: the log opens once there is room
    }
  }

  /** The outage in progress, if output cannot be stored now. */
  storageState(): StorageState | null {
    return this.outage.state();
  }

  /** Changes of whether this log can store output (disk full, and back). */
  onStorage(listener: (state: StorageState) => void): () => void {
    return this.outage.on(listener);
  }

  /** Every stored chunk of lines, as it is written. */
  onBatch(listener: (batch: LogBatch) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Appends a chunk of process output; an unfinished last line waits for the next chunk. `chunk`
   * may be reused by the caller once this returns (and once listeners are done with its batches).
   */
  write(pid: number, stream: LogStream, chunk: Buffer | string): void {
    if (this.closed) return; // output still draining after the app was removed
    const key = `${pid}:${stream}`;
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    if (this.cut && pid === 0 && this.deferred.length < 64) {
      this.deferred.push(Buffer.from(bytes)); // a note of ours: after the cut line is whole
      return;
    }
    this.settleCut();
    const held = this.partial.get(key);
    const end = bytes.lastIndexOf(10) + 1;
    if (end === 0) {
      const rest = held ? Buffer.concat([held, bytes]) : Buffer.from(bytes); // a copy: callers reuse their buffer
      if (rest.length > MAX_LINE) {
        this.partial.delete(key);
        this.append(pid, stream, Buffer.concat([rest, NEWLINE]));
      } else if (rest.length) this.partial.set(key, rest);
      return;
    }
    // The line begun in the previous chunk is stored on its own, so the rest is stored straight from `chunk`.
    let from = 0;
    if (held) {
      from = bytes.indexOf(10) + 1;
      this.append(pid, stream, Buffer.concat([held, bytes.subarray(0, from)]));
    }
    if (end > from) this.append(pid, stream, bytes.subarray(from, end));
    const rest = bytes.subarray(end);
    if (rest.length > MAX_LINE) this.append(pid, stream, Buffer.concat([rest, NEWLINE]));
    if (rest.length && rest.length <= MAX_LINE) this.partial.set(key, Buffer.from(rest));
    else this.partial.delete(key);
  }

  /**
   * Takes back a stream's unfinished line, so that a caller can put it in front of the stream's
   * next chunk and store the two as one batch.
   */
  takeHeld(pid: number, stream: LogStream): Buffer | undefined {
    const key = `${pid}:${stream}`;
    const held = this.partial.get(key);
    this.partial.delete(key);
    return held;
  }

  /**
   * Stores whole lines straight from the pipe they are in: `lines` is a copy of the first bytes pipe
   * `fd` holds, ending in a newline, and they are moved from the pipe into the log in one kernel step
   * (spliceToFile), so at no instant are they in neither. Returns false, having taken nothing from the
   * pipe, when they must be read and given to write() instead: lines it changes (CR LF, too long), a
   * log that cannot store now (disk full), a closed one.
   */
  appendFromPipe(pid: number, stream: LogStream, lines: Buffer, fd: number): boolean {
    const key = `${pid}:${stream}`;
    if (this.cut?.key === key) return this.completeCut(pid, stream, lines, fd);
    const held = this.partial.get(key);
    const data = held ? Buffer.concat([held, lines]) : lines;
    if (this.closed || this.outage.active || !this.spliceable || data.indexOf(13) >= 0 || mayHaveLongLine(data)) return false;
    if (!this.room.allows(data.length + 256, performance.now())) return false;
    this.partial.delete(key);
    const stored = this.store(pid, stream, data, { fd, bytes: lines.length });
    if (stored === "not moved") {
      if (held) this.partial.set(key, held);
      return false;
    }
    if (stored === "failed") this.outage.drop(data); // what left the pipe is counted, like any line a full disk cost
    return true;
  }

  /**
   * Moves the rest of the cut line (the first bytes of `lines`) and the lines after it from pipe `fd`
   * into the log right after the cut part: no index record (the cut line's covers them) and no
   * rotation in between. Listeners get the whole line. False, having taken nothing, as appendFromPipe.
   */
  private completeCut(pid: number, stream: LogStream, lines: Buffer, fd: number): boolean {
    const cut = this.cut;
    if (!cut) return false;
    const whole = Buffer.concat([cut.bytes, lines]);
    if (this.closed || this.outage.active || !this.spliceable || whole.indexOf(13) >= 0 || mayHaveLongLine(whole) || !this.room.allows(lines.length + 256, performance.now())) {
      this.settleCut(); // stored as any held line, by the caller's read and write
      return false;
    }
    const stored = this.store(pid, stream, lines, { fd, bytes: lines.length }, { seq: this.base + cut.lineEnd, data: whole });
    if (stored === "not moved") return false;
    if (stored === "failed") {
      // Its rest left the pipe but is not stored: the cut part goes too, so no later line is glued to it.
      this.settleCut();
      this.partial.delete(`${pid}:${stream}`);
      this.outage.drop(whole);
      return true;
    }
    this.cut = null;
    for (const note of this.deferred.splice(0)) this.write(0, "err", note);
    return true;
  }

  /** Takes the cut line out of the log into memory, as the stream's unfinished line: something else must be written first. */
  private settleCut(): void {
    const cut = this.cut;
    if (!cut) return;
    this.cut = null;
    try {
      ftruncateSync(this.fd, cut.lineEnd);
      ftruncateSync(this.indexFd, cut.indexSize);
      this.size = cut.lineEnd;
      this.indexSize = cut.indexSize;
      this.partial.set(cut.key, cut.bytes);
    } catch {
      // left in the log: whatever comes next is written after it
    }
    for (const note of this.deferred.splice(0)) this.write(0, "err", note);
  }

  /**
   * Writes out what is left of a process's last unterminated line (on exit, or when one of its pipes
   * ends). Not a cut line left by a killed writer: its rest is in the pipe, which may be read after
   * the exit is handled.
   */
  flush(pid: number, streams: readonly LogStream[] = ["out", "err"]): void {
    for (const stream of streams) {
      const rest = this.takeHeld(pid, stream);
      if (rest && !this.closed) this.append(pid, stream, Buffer.concat([rest, NEWLINE]));
    }
  }

  /**
   * Stores whole lines (`bytes` ends in a newline) as one batch, or counts them as dropped while
   * the disk is full; the first batch stored after that is preceded by a note saying how many.
   */
  private append(pid: number, stream: LogStream, bytes: Buffer): void {
    const data = bytes.indexOf(13) >= 0 || mayHaveLongLine(bytes) ? normalize(bytes) : bytes;
    const now = performance.now();
    if (this.outage.countIfWaiting(data, now)) return;
    if (!this.room.allows(data.length + 256, now)) {
      this.outage.drop(data, "disk full");
      return;
    }
    if (this.outage.active && !this.endOutage()) {
      this.outage.drop(data);
      return;
    }
    if (this.store(pid, stream, data) !== "stored") this.outage.drop(data);
  }

  /** Writes the note that ends an outage (how many lines it cost); false if that cannot be stored yet. */
  private endOutage(): boolean {
    return this.outage.end((note) => this.store(0, "err", note) === "stored");
  }

  /**
   * While an outage lasts and no output comes: tries again once its retry time has come, so the note
   * is written and the outage ends as soon as there is room, even for an app that went quiet.
   * Returns true while the outage goes on.
   */
  retryOutage(now = performance.now()): boolean {
    return this.outage.retry(now, () => this.room.allows(256, now), (note) => this.store(0, "err", note) === "stored");
  }

  /**
   * Writes one batch: its index record first, then its bytes, so a reader that sees the bytes always
   * finds their record (a kill in between leaves a record too many: log-tail.ts). A write that fails
   * (ENOSPC) is undone whole: no torn line, no orphan record. With `from`, the last `from.bytes` of
   * `data` are moved out of that pipe rather than written; "not moved": it failed before any had left
   * the pipe; "failed" after some had: the rest are taken out too, so the pipe is where the caller's
   * next look expects it.
   */
  private store(pid: number, stream: LogStream, data: Buffer, from?: { fd: number; bytes: number }, continues?: { seq: number; data: Buffer }): "stored" | "failed" | "not moved" {
    let moved = 0;
    if (!continues) this.settleCut();
    try {
      if (this.fd < 0) this.open(); // a rotation that failed half-way
      // The log and its index together stay under fileBytes (a record is well under 64 bytes).
      if (!continues && this.size + this.indexSize + 64 + data.length > this.limits.fileBytes && this.size > 0) this.rotate();
      const ts = isoNow();
      const seq = continues?.seq ?? this.base + this.size;
      const record = Buffer.from(continues ? "" : formatIndexRecord(this.size, ts, pid, stream));
      if (record.length) writeAll(this.indexFd, record);
      try {
        if (!from) writeAll(this.fd, data, this.size);
        else {
          const before = data.length - from.bytes; // an unfinished line held from before
          writeAll(this.fd, data.subarray(0, before), this.size);
          spliceToFile(from.fd, this.fd, this.size + before, from.bytes);
        }
      } catch (e) {
        if (e instanceof SpliceError) moved = e.moved;
        ftruncateSync(this.fd, this.size);
        ftruncateSync(this.indexFd, this.indexSize);
        throw e;
      }
      this.indexSize += record.length;
      this.size += data.length;
      if (this.listeners.size) {
        const batch = new LogBatch(ts, pid, stream, continues?.data ?? data, seq);
        for (const listener of this.listeners) {
          try {
            listener(batch);
          } catch (e) {
            // Stored all the same: a listener's failure is never taken for the store's (its bytes left the pipe).
            console.error(`stoker: a log listener of ${this.dir} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
          }
        }
      }
      return "stored";
    } catch (e) {
      if (e instanceof SpliceError && e.errno === EINVAL && moved === 0) {
        this.spliceable = false; // not a failure to store: the caller reads and writes them instead
        return "not moved";
      }
      this.outage.failed(reasonOf(e));
      try {
        if (this.indexFd >= 0) ftruncateSync(this.indexFd, this.indexSize); // a record written before its bytes failed
      } catch {
        // nothing more to undo
      }
      if (!from) return "failed";
      if (moved === 0) return "not moved";
      discard(from.fd, from.bytes - moved);
      return "failed";
    }
  }

  /**
   * Opens app.log and its index. An index left behind by a crash between the two halves of a
   * rotation joins its log; a log with lines but no index (an older agent's, or a crash) is set
   * aside whole, so an index always covers its log from the first byte.
   */
  private open(): void {
    const unpaired = pairIndexWithLog(this.file, this.indexFile, this.limits);
    if (unpaired !== null) this.shiftFiles(unpaired);
    try {
      // Written at explicit offsets, not O_APPEND: splice(2) refuses to move into an O_APPEND file. So
      // only one writer at a time: the lock taken in the constructor (log-writer-lock.ts).
      this.fd = openSync(this.file, constants.O_RDWR | constants.O_CREAT);
      const stat = fstatSync(this.fd);
      this.indexFd = openSync(this.indexFile, "a+");
      // A writer killed in the middle of a batch: its cut line is the stream's unfinished line again.
      const end = repairLogEnd(this.fd, stat.size, this.indexFd, fstatSync(this.indexFd).size);
      this.size = end.size;
      this.indexSize = end.indexSize;
      if (end.cut) this.cut = { ...end.cut, key: `${end.cut.pid}:${end.cut.stream}` };
      if (this.indexSize === 0) {
        const header = Buffer.from(indexHeader(stat.ino));
        writeAll(this.indexFd, header);
        this.indexSize = header.length;
      }
    } catch (e) {
      // Half open is not open: the next store tries again from the start (an empty index is redone).
      for (const fd of [this.fd, this.indexFd]) if (fd >= 0) closeSync(fd);
      this.fd = -1;
      this.indexFd = -1;
      throw e;
    }
  }

  private rotate(): void {
    closeSync(this.fd);
    closeSync(this.indexFd);
    this.fd = -1; // until open() succeeds: a full disk can stop a rotation half-way
    this.indexFd = -1;
    this.shiftFiles(this.size);
    this.open();
  }

  /** app.log → app.log.1 → …, and the same for the index, dropping what falls past the total cap. */
  private shiftFiles(currentSize: number): void {
    // The base first: a crash before the renames then shifts every position alike, never overlapping two files.
    this.base += currentSize;
    writeBase(this.dir, this.base);
    shiftNames(this.file, this.limits);
    shiftNames(this.indexFile, this.limits);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd >= 0) closeSync(this.fd);
    if (this.indexFd >= 0) closeSync(this.indexFd);
    closeSync(this.lockFd); // the next writer (the keeper, the next agent) may open the log now
    this.listeners.clear();
    this.outage.clear();
  }
}
