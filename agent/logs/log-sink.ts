// One app's durable log: every line of every process, timestamped, appended to
// `<dir>/app.log` and rotated by size under a total cap. Live listeners get the same lines.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";

export type LogStream = "out" | "err" | "web";
/** `seq` is the line's position in the app's whole log (bytes before it, across rotations). */
export type LogLine = { ts: string; pid: number; stream: LogStream; text: string; seq?: number };
export type LogLimits = { fileBytes: number; totalBytes: number };

export const DEFAULT_LOG_LIMITS: LogLimits = { fileBytes: 16 << 20, totalBytes: 128 << 20 };
const MAX_LINE = 16 * 1024;
export const BASE_FILE = "app.log.base";

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
  private listeners = new Set<(lines: LogLine[]) => void>();
  private partial = new Map<string, string>();
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

  onLines(listener: (lines: LogLine[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Appends a chunk of process output; an unfinished last line waits for the next chunk. */
  write(pid: number, stream: LogStream, chunk: Buffer | string): void {
    const key = `${pid}:${stream}`;
    const text = (this.partial.get(key) ?? "") + chunk.toString();
    const parts = text.split("\n");
    const rest = parts.pop() ?? "";
    if (rest.length > MAX_LINE) {
      parts.push(rest);
      this.partial.delete(key);
    } else if (rest) this.partial.set(key, rest);
    else this.partial.delete(key);
    if (parts.length) this.append(pid, stream, parts);
  }

  /** Writes out what is left of a process's last unterminated line (on exit). */
  flush(pid: number): void {
    for (const stream of ["out", "err"] as const) {
      const rest = this.partial.get(`${pid}:${stream}`);
      if (rest) this.append(pid, stream, [rest]);
      this.partial.delete(`${pid}:${stream}`);
    }
  }

  /** A line written by the agent itself about the app (start, exit, restart). */
  note(text: string): void {
    this.append(0, "err", [`[stoker] ${text}`]);
  }

  private append(pid: number, stream: LogStream, texts: string[]): void {
    if (this.closed) return; // output still draining after the app was removed
    const ts = new Date().toISOString();
    const texts2: string[] = [];
    const charOffsets: number[] = [];
    let out = "";
    for (let text of texts) {
      if (text.endsWith("\r")) text = text.slice(0, -1);
      if (text.length > MAX_LINE) text = `${text.slice(0, MAX_LINE)}…[truncated]`;
      charOffsets.push(out.length);
      texts2.push(text);
      out += `${ts} ${pid} ${stream} ${text}\n`;
    }
    const bytes = Buffer.from(out);
    if (this.size + bytes.length > this.limits.fileBytes && this.size > 0) this.rotate();
    const start = this.base + this.size;
    // seq is a byte position. For ASCII (the usual case) bytes and characters agree; otherwise count bytes.
    const ascii = bytes.length === out.length;
    let byteOffset = 0;
    const lines: LogLine[] = texts2.map((text, i) => {
      if (!ascii && i > 0) byteOffset += Buffer.byteLength(`${ts} ${pid} ${stream} ${texts2[i - 1]}\n`);
      return { ts, pid, stream, text, seq: start + (ascii ? charOffsets[i] : byteOffset) };
    });
    writeSync(this.fd, bytes);
    this.size += bytes.length;
    for (const listener of this.listeners) listener(lines);
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
