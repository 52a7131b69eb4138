// One app's durable log: every line of every process, timestamped, appended to
// `<dir>/app.log` and rotated by size under a total cap. Live listeners get the same lines.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { LogBatch } from "./log-batch";

export type LogStream = "out" | "err" | "web";
/** `seq` is the line's position in the app's whole log (bytes before it, across rotations). */
export type LogLine = { ts: string; pid: number; stream: LogStream; text: string; seq?: number };
export type LogLimits = { fileBytes: number; totalBytes: number };

export const DEFAULT_LOG_LIMITS: LogLimits = { fileBytes: 16 << 20, totalBytes: 128 << 20 };
const MAX_LINE = 16 * 1024;
const TRUNCATED = toRaw("…[truncated]");
export const BASE_FILE = "app.log.base";

/** A text as raw UTF-8 bytes in a latin1 string, the form the sink works in. */
function toRaw(text: string): string {
  return Buffer.from(text, "utf8").toString("latin1");
}

/** Cuts lines longer than MAX_LINE. A cheap probe every MAX_LINE/2 bytes rules them out first. */
function truncateLongLines(body: string): string {
  const step = MAX_LINE / 2;
  let suspect = false;
  for (let at = 0; at < body.length && !suspect; at += step) suspect = body.indexOf("\n", at) - at > step;
  if (!suspect) return body;
  const lines = body.slice(0, -1).split("\n");
  return `${lines.map((l) => (l.length > MAX_LINE ? l.slice(0, MAX_LINE) + TRUNCATED : l)).join("\n")}\n`;
}

/** The seq of the current file's first byte, kept beside the log so it survives agent restarts. */
export function readBase(dir: string): number {
  try {
    return Number(readFileSync(path.join(dir, BASE_FILE), "utf8")) || 0;
  } catch {
    return 0;
  }
}

export class LogSink {
  private fd: number;
  private size: number;
  private base: number; // bytes in files rotated away before the current one
  private listeners = new Set<(batch: LogBatch) => void>();
  private partial = new Map<string, string>(); // raw bytes (latin1) of each stream's unfinished line
  private closed = false;
  readonly file: string;

  constructor(
    readonly dir: string,
    private limits: LogLimits = DEFAULT_LOG_LIMITS,
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, "app.log");
    this.fd = openSync(this.file, "a");
    this.size = fstatSync(this.fd).size;
    this.base = readBase(dir);
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

  /**
   * Appends a chunk of process output; an unfinished last line waits for the next chunk.
   * Bytes are handled as latin1 strings (one char per byte): splitting, prefixing and writing
   * them back is then exact for any encoding, and a UTF-8 character cut by the chunk boundary
   * is simply joined again.
   */
  write(pid: number, stream: LogStream, chunk: Buffer | string): void {
    const key = `${pid}:${stream}`;
    const raw = typeof chunk === "string" ? toRaw(chunk) : chunk.toString("latin1");
    const text = (this.partial.get(key) ?? "") + raw;
    const end = text.lastIndexOf("\n") + 1;
    let body = text.slice(0, end);
    const rest = text.slice(end);
    if (rest.length > MAX_LINE) body += `${rest}\n`;
    if (rest && rest.length <= MAX_LINE) this.partial.set(key, rest);
    else this.partial.delete(key);
    if (body) this.append(pid, stream, body);
  }

  /** Writes out what is left of a process's last unterminated line (on exit). */
  flush(pid: number): void {
    for (const stream of ["out", "err"] as const) {
      const rest = this.partial.get(`${pid}:${stream}`);
      if (rest) this.append(pid, stream, `${rest}\n`);
      this.partial.delete(`${pid}:${stream}`);
    }
  }

  /** A line written by the agent itself about the app (start, exit, restart). */
  note(text: string): void {
    this.append(0, "err", `${toRaw(`[stoker] ${text.replace(/[\r\n]+/g, " ")}`)}\n`);
  }

  /** `body`: whole lines as raw bytes, each ending in "\n". */
  private append(pid: number, stream: LogStream, body: string): void {
    if (this.closed) return; // output still draining after the app was removed
    if (body.includes("\r")) body = body.replaceAll("\r\n", "\n");
    body = truncateLongLines(body);
    const ts = new Date().toISOString();
    const prefix = `${ts} ${pid} ${stream} `;
    // One native replace prefixes every line, and the latin1 string is written as the bytes it
    // holds (one char per byte, so its length is its size): no per-line work on the hot path.
    const record = `${prefix}${body.slice(0, -1).replaceAll("\n", `\n${prefix}`)}\n`;
    if (this.size + record.length > this.limits.fileBytes && this.size > 0) this.rotate();
    const seq = this.base + this.size;
    writeSync(this.fd, record, null, "latin1");
    this.size += record.length;
    if (!this.listeners.size) return;
    const batch = new LogBatch(ts, pid, stream, body, seq, prefix.length);
    for (const listener of this.listeners) listener(batch);
  }

  private rotate(): void {
    closeSync(this.fd);
    const keep = Math.max(1, Math.floor(this.limits.totalBytes / this.limits.fileBytes) - 1);
    rmSync(`${this.file}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    }
    renameSync(this.file, `${this.file}.1`);
    this.base += this.size;
    writeFileSync(path.join(this.dir, BASE_FILE), String(this.base));
    this.fd = openSync(this.file, "a");
    this.size = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    this.listeners.clear();
  }
}

/** Parses one stored line back (`ts pid stream text`). */
export function parseLogLine(line: string): LogLine | null {
  const a = line.indexOf(" ");
  const b = line.indexOf(" ", a + 1);
  const c = line.indexOf(" ", b + 1);
  if (a < 0 || b < 0 || c < 0) return null;
  const stream = line.slice(b + 1, c);
  if (stream !== "out" && stream !== "err" && stream !== "web") return null;
  return { ts: line.slice(0, a), pid: Number(line.slice(a + 1, b)), stream, text: line.slice(c + 1) };
}
