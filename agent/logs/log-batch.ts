// One chunk of a process's output as the sink stored it: whole lines, one timestamp, one pid and
// stream. Listeners get the batch and take lines out of it only when they need them, so a flood of
// output costs a few native string operations per chunk instead of an object per line.
import type { LogLine, LogStream } from "./log-sink";

const NON_ASCII = /[^\x00-\x7f]/;

export class LogBatch {
  private decoded: LogLine[] | null = null;

  /**
   * @param body the lines as raw bytes in a latin1 string (one char per byte), each ending in "\n"
   * @param seq  the byte position of the first line in the app's whole log
   */
  constructor(
    readonly ts: string,
    readonly pid: number,
    readonly stream: LogStream,
    readonly body: string,
    readonly seq: number,
  ) {}

  /** True if any line may match (for patterns that never span a line break). */
  mayMatch(pattern: RegExp): boolean {
    return pattern.test(this.body);
  }

  lines(): LogLine[] {
    if (this.decoded) return this.decoded;
    const ascii = !NON_ASCII.test(this.body);
    const out: LogLine[] = [];
    let at = 0;
    while (at < this.body.length) {
      const nl = this.body.indexOf("\n", at);
      const raw = this.body.slice(at, nl);
      out.push({ ts: this.ts, pid: this.pid, stream: this.stream, text: ascii ? raw : decode(raw), seq: this.seq + at });
      at = nl + 1;
    }
    this.decoded = out;
    return out;
  }

  /** The texts of the last `n` lines, without decoding the rest. */
  lastTexts(n: number): string[] {
    if (!this.body || n < 1) return [];
    let end = this.body.length - 1; // the "\n" that ends the line being counted
    let from = 0;
    for (let count = 0; count < n; count++) {
      const before = end > 0 ? this.body.lastIndexOf("\n", end - 1) : -1;
      from = before + 1;
      if (before < 0) break;
      end = before;
    }
    return this.body
      .slice(from, -1)
      .split("\n")
      .map((t) => (NON_ASCII.test(t) ? decode(t) : t));
  }
}

function decode(raw: string): string {
  return Buffer.from(raw, "latin1").toString("utf8");
}
