// One app's durable log: every line of every process, appended to `<dir>/app.log` exactly as the
// process wrote it, with an index beside it (`app.idx`: one record per batch with its time, pid and
// stream), rotated by size under a total cap. Live listeners get the same lines as batches.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync, writevSync } from "node:fs";
import path from "node:path";
import { LogBatch } from "./log-batch";
import { formatIndexRecord, indexHeader, parseIndexHeader } from "./log-index";

export type LogStream = "out" | "err" | "web";
/** `seq` is the line's position in the app's whole log (bytes before it, across rotations). */
export type LogLine = { ts: string; pid: number; stream: LogStream; text: string; seq?: number };
export type LogLimits = { fileBytes: number; totalBytes: number };

export const DEFAULT_LOG_LIMITS: LogLimits = { fileBytes: 16 << 20, totalBytes: 128 << 20 };
const MAX_LINE = 16 * 1024;
const TRUNCATED = Buffer.from("…[truncated]").toString("latin1");
const NEWLINE = Buffer.from("\n");
const INDEX_FLUSH_MS = 20;
export const BASE_FILE = "app.log.base";

/** Cuts lines longer than MAX_LINE. A cheap probe every MAX_LINE/2 bytes rules them out first. */
function truncateLongLines(body: string): string {
  const step = MAX_LINE / 2;
  let suspect = false;
  for (let at = 0; at < body.length && !suspect; at += step) suspect = body.indexOf("\n", at) - at > step;
  if (!suspect) return body;
  const lines = body.slice(0, -1).split("\n");
  return `${lines.map((l) => (l.length > MAX_LINE ? l.slice(0, MAX_LINE) + TRUNCATED : l)).join("\n")}\n`;
}

// A line split across two reads is joined in one reused buffer: one copy, one string made from it
// afterwards, instead of a string per piece and a third to join them (less garbage in a flood).
const joined = Buffer.allocUnsafe(MAX_LINE + 128 * 1024);

function joinHeld(held: Buffer, bytes: Buffer, end: number): Buffer {
  if (held.length + end > joined.length) return Buffer.concat([held, bytes.subarray(0, end)]);
  held.copy(joined, 0);
  bytes.copy(joined, held.length, 0, end);
  return joined.subarray(0, held.length + end); // used and let go before the next write
}

/** The seq of the current file's first byte, kept beside the log so it survives agent restarts. */
export function readBase(dir: string): number {
  try {
    return Number(readFileSync(path.join(dir, BASE_FILE), "utf8")) || 0;
  } catch {
    return 0;
  }
}

function inoOf(file: string): number | null {
  return existsSync(file) ? statSync(file).ino : null;
}

/** The log inode an index file names in its header, or null. */
function indexedIno(indexFile: string): number | null {
  try {
    const fd = openSync(indexFile, "r");
    try {
      const head = Buffer.alloc(64);
      const n = readSync(fd, head, 0, head.length, 0);
      return parseIndexHeader(head.toString("latin1", 0, n).split("\n")[0]);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

export class LogSink {
  private fd = -1;
  private indexFd = -1;
  private size = 0; // bytes in app.log
  private indexSize = 0; // bytes in app.idx, pending records included
  private pendingRecords = ""; // written at most INDEX_FLUSH_MS later (each write to a file costs a syscall)
  private flushTimer: NodeJS.Timeout | null = null;
  private base: number; // bytes in files rotated away before the current one
  private listeners = new Set<(batch: LogBatch) => void>();
  private partial = new Map<string, Buffer>(); // each stream's unfinished line
  private closed = false;
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
    this.open();
  }

  /** Every stored chunk of lines, as it is written. */
  onBatch(listener: (batch: LogBatch) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every stored line (decoded one by one: for listeners that need each line anyway). */
  onLines(listener: (lines: LogLine[]) => void): () => void {
    return this.onBatch((batch) => listener(batch.lines()));
  }

  /** Appends a chunk of process output; an unfinished last line waits for the next chunk. */
  write(pid: number, stream: LogStream, chunk: Buffer | string): void {
    if (this.closed) return; // output still draining after the app was removed
    const key = `${pid}:${stream}`;
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    const held = this.partial.get(key);
    const end = bytes.lastIndexOf(10) + 1;
    if (end === 0) {
      const rest = held ? Buffer.concat([held, bytes]) : Buffer.from(bytes); // a copy: callers reuse their buffer
      if (rest.length > MAX_LINE) {
        this.partial.delete(key);
        this.append(pid, stream, [rest, NEWLINE]);
      } else if (rest.length) this.partial.set(key, rest);
      return;
    }
    const pieces = [held ? joinHeld(held, bytes, end) : bytes.subarray(0, end)];
    const rest = bytes.subarray(end);
    if (rest.length > MAX_LINE) pieces.push(rest, NEWLINE);
    if (rest.length && rest.length <= MAX_LINE) this.partial.set(key, Buffer.from(rest));
    else this.partial.delete(key);
    this.append(pid, stream, pieces);
  }

  /** Writes out what is left of a process's last unterminated line (on exit). */
  flush(pid: number): void {
    for (const stream of ["out", "err"] as const) {
      const rest = this.partial.get(`${pid}:${stream}`);
      this.partial.delete(`${pid}:${stream}`);
      if (rest && !this.closed) this.append(pid, stream, [rest, NEWLINE]);
    }
  }

  /** A line written by the agent itself about the app (start, exit, restart). */
  note(text: string): void {
    if (!this.closed) this.append(0, "err", [Buffer.from(`[stoker] ${text.replace(/[\r\n]+/g, " ")}\n`)]);
  }

  /**
   * Stores whole lines (`pieces` end in a newline) as one batch: its index record first, then its
   * bytes, so a reader that sees the bytes always finds their record. Lines are handled as latin1
   * strings (one char per byte): exact for any encoding, and cheap to scan in one native pass.
   */
  private append(pid: number, stream: LogStream, pieces: Buffer[]): void {
    let body = pieces.length === 1 ? pieces[0].toString("latin1") : pieces.map((p) => p.toString("latin1")).join("");
    let exact = true;
    if (body.includes("\r")) {
      body = body.replaceAll("\r\n", "\n");
      exact = false;
    }
    const cut = truncateLongLines(body);
    if (cut !== body) {
      body = cut;
      exact = false;
    }
    // The log and its index together stay under fileBytes (a record is well under 64 bytes).
    if (this.size + this.indexSize + 64 + body.length > this.limits.fileBytes && this.size > 0) this.rotate();
    const ts = new Date().toISOString();
    const seq = this.base + this.size;
    const record = formatIndexRecord(this.size, ts, pid, stream);
    this.pendingRecords += record;
    this.indexSize += record.length;
    this.flushTimer ??= setTimeout(() => this.flushIndex(), INDEX_FLUSH_MS);
    if (exact) writevSync(this.fd, pieces);
    else writeSync(this.fd, body, null, "latin1");
    this.size += body.length;
    if (!this.listeners.size) return;
    const batch = new LogBatch(ts, pid, stream, body, seq);
    for (const listener of this.listeners) listener(batch);
  }

  /**
   * Opens app.log and its index. An index left behind by a crash between the two halves of a
   * rotation joins its log; a log with lines but no index (an older agent's, or a crash) is set
   * aside whole, so an index always covers its log from the first byte.
   */
  private open(): void {
    const logIno = inoOf(this.file);
    const idxIno = indexedIno(this.indexFile);
    if (logIno === null || idxIno !== logIno) {
      if (idxIno !== null && idxIno === inoOf(`${this.file}.1`)) this.shiftNames(this.indexFile);
      else rmSync(this.indexFile, { force: true });
      if (logIno !== null && statSync(this.file).size > 0) this.shiftFiles(statSync(this.file).size);
    }
    this.fd = openSync(this.file, "a");
    const stat = fstatSync(this.fd);
    this.size = stat.size;
    this.indexFd = openSync(this.indexFile, "a+");
    this.indexSize = fstatSync(this.indexFd).size;
    if (this.indexSize === 0) this.indexSize += writeSync(this.indexFd, indexHeader(stat.ino));
    else {
      const last = Buffer.alloc(1);
      readSync(this.indexFd, last, 0, 1, this.indexSize - 1);
      if (last[0] !== 10) this.indexSize += writeSync(this.indexFd, "\n"); // a record torn by a crash
    }
  }

  /**
   * Writes the index records still held in memory. Readers in this process call it first, so they
   * always find a record for every line; after a crash, lines of the last few ms have no record of
   * their own and are shown as the previous batch's.
   */
  flushIndex(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (!this.pendingRecords || this.indexFd < 0) return;
    writeSync(this.indexFd, this.pendingRecords);
    this.pendingRecords = "";
  }

  private rotate(): void {
    this.flushIndex();
    closeSync(this.fd);
    closeSync(this.indexFd);
    this.shiftFiles(this.size);
    this.open();
  }

  /** app.log → app.log.1 → …, and the same for the index, dropping what falls past the total cap. */
  private shiftFiles(currentSize: number): void {
    // The base first: a crash before the renames then shifts every position alike, never overlapping two files.
    this.base += currentSize;
    writeFileSync(path.join(this.dir, BASE_FILE), String(this.base));
    this.shiftNames(this.file);
    this.shiftNames(this.indexFile);
  }

  private shiftNames(file: string): void {
    const keep = Math.max(1, Math.floor(this.limits.totalBytes / this.limits.fileBytes) - 1);
    rmSync(`${file}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    }
    if (existsSync(file)) renameSync(file, `${file}.1`);
  }

  close(): void {
    if (this.closed) return;
    this.flushIndex();
    this.closed = true;
    closeSync(this.fd);
    closeSync(this.indexFd);
    this.listeners.clear();
  }
}
