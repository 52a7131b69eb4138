// One chunk of a process's output as the store wrote it: whole lines, one timestamp, one pid and
// stream. Listeners get the batch and take lines out of it only when they need them, so a flood of
// output costs a few native byte scans per chunk instead of a string, or an object per line.
import type { LogLine, LogStream } from "./log-store";

/** Anything that hands out stored batches: the store itself, or LogSink on the main thread. */
export type BatchSource = { onBatch(listener: (batch: LogBatch) => void): () => void };

const NON_ASCII = /[^\x00-\x7f]/;

export class LogBatch {
  private text: string | null = null;
  private decoded: LogLine[] | null = null;

  /**
   * @param bytes the lines as written, each ending in "\n". It may be a view of a buffer that is
   *              reused once the listeners return: a listener keeps lines, never the batch.
   * @param seq   the byte position of the first line in the app's whole log
   */
  constructor(
    readonly ts: string,
    readonly pid: number,
    readonly stream: LogStream,
    readonly bytes: Buffer,
    readonly seq: number,
  ) {}

  /** The raw bytes as a latin1 string (one char per byte). */
  get body(): string {
    this.text ??= this.bytes.toString("latin1");
    return this.text;
  }

  /** True if any of `needles` occurs in the batch: a pre-filter that needs no string at all. */
  mayContain(needles: readonly Buffer[]): boolean {
    for (const needle of needles) if (this.bytes.indexOf(needle) >= 0) return true;
    return false;
  }

  lines(): LogLine[] {
    if (this.decoded) return this.decoded;
    const body = this.body;
    const ascii = !NON_ASCII.test(body);
    const out: LogLine[] = [];
    let at = 0;
    while (at < body.length) {
      const nl = body.indexOf("\n", at);
      const raw = body.slice(at, nl);
      out.push({ ts: this.ts, pid: this.pid, stream: this.stream, text: ascii ? raw : decode(raw), seq: this.seq + at });
      at = nl + 1;
    }
    this.decoded = out;
    return out;
  }

  /** The texts of the last `n` lines, without decoding the rest. */
  lastTexts(n: number): string[] {
    if (!this.bytes.length || n < 1) return [];
    let end = this.bytes.length - 1; // the "\n" that ends the line being counted
    let from = 0;
    for (let count = 0; count < n; count++) {
      const before = end > 0 ? this.bytes.lastIndexOf(10, end - 1) : -1;
      from = before + 1;
      if (before < 0) break;
      end = before;
    }
    return this.bytes.toString("utf8", from, this.bytes.length - 1).split("\n");
  }
}

function decode(raw: string): string {
  return Buffer.from(raw, "latin1").toString("utf8");
}
