// Streaming traceback detector: turns the multi-line error reports in an app's log lines into one
// event each, tracking every pid+stream separately because processes interleave their output.
import type { BatchSource, LogBatch } from "./log-batch";
import type { LogLine } from "./log-store";
import { type BlockParser, MAY_START_NEEDLES, startBlock, type TracebackEvent } from "./traceback-parsers";

export type { TracebackCause, TracebackEvent, TracebackFrame, TracebackLanguage } from "./traceback-parsers";
export { fingerprint, normalizeMessage } from "./traceback-fingerprint";
export { type TracebackGroup, TracebackGroups } from "./traceback-groups";

export type DetectorOptions = {
  /** A block with no new line for this long is complete (the last traceback before silence). */
  idleMs?: number;
  /** Text kept per event; longer reports keep their parsed frames but a shortened text. */
  maxLines?: number;
};

type OpenBlock = {
  parser: BlockParser;
  lines: string[];
  dropped: number;
  ts: string;
  pid: number;
  stream: LogLine["stream"];
  lastAt: number;
};

export class TracebackDetector {
  private open = new Map<string, OpenBlock>();
  private readonly idleMs: number;
  private readonly maxLines: number;

  constructor(opts: DetectorOptions = {}) {
    this.idleMs = opts.idleMs ?? 1000;
    this.maxLines = opts.maxLines ?? 300;
  }

  /** Feeds lines in log order; returns the reports they completed. */
  push(lines: readonly LogLine[], now: number = Date.now()): TracebackEvent[] {
    const events: TracebackEvent[] = [];
    let key = "";
    let keyPid = -1;
    let keyStream = "";
    for (const line of lines) {
      // A batch usually comes from one process and stream: build its key once, not per line.
      if (line.pid !== keyPid || line.stream !== keyStream) {
        keyPid = line.pid;
        keyStream = line.stream;
        key = `${line.pid}:${line.stream}`;
      }
      const block = this.open.get(key);
      if (block) {
        const step = block.parser.feed(line.text);
        if (step !== "reject") {
          this.keep(block, line.text, now);
          if (step === "done") this.close(key, block, events);
          continue;
        }
        // The line is not part of the report, so the report ended just before it; it may open the next one.
        this.close(key, block, events);
      }
      const parser = startBlock(line.text);
      if (!parser) continue;
      const fresh: OpenBlock = { parser, lines: [line.text], dropped: 0, ts: line.ts, pid: line.pid, stream: line.stream, lastAt: now };
      if (parser.closed) this.close(key, fresh, events);
      else this.open.set(key, fresh);
    }
    return events;
  }

  /** Feeds a stored batch; a few byte scans skip a batch that cannot start a report. */
  pushBatch(batch: LogBatch, now: number = Date.now()): TracebackEvent[] {
    if (!this.open.has(`${batch.pid}:${batch.stream}`) && !batch.mayContain(MAY_START_NEEDLES)) return [];
    return this.push(batch.lines(), now);
  }

  /**
   * Completes blocks that have been idle for `idleMs` (pass the current time), or every open block
   * when called without an argument (process exit, shutdown). Without this the last traceback
   * before a quiet period would wait for the next line forever.
   */
  flush(now?: number): TracebackEvent[] {
    const events: TracebackEvent[] = [];
    for (const [key, block] of this.open) {
      if (now === undefined || now - block.lastAt >= this.idleMs) this.close(key, block, events);
    }
    return events;
  }

  /** Number of pid+stream pairs with an unfinished report (for tests and metrics). */
  get openBlocks(): number {
    return this.open.size;
  }

  private keep(block: OpenBlock, text: string, now: number): void {
    block.lastAt = now;
    if (block.lines.length < this.maxLines) block.lines.push(text);
    else block.dropped++;
  }

  private close(key: string, block: OpenBlock, out: TracebackEvent[]): void {
    this.open.delete(key);
    const parsed = block.parser.result();
    if (!parsed) return;
    const lines = block.lines.slice();
    while (lines.length > 1 && lines[lines.length - 1] === "") lines.pop(); // blank lines held in case a chain followed
    if (block.dropped) lines.push(`… ${block.dropped} more lines`);
    out.push({ ...parsed, text: lines.join("\n"), ts: block.ts, pid: block.pid, stream: block.stream });
  }
}

/**
 * Runs a detector on a sink's live lines, with an idle timer so the last report is not held back.
 * Returns a stop function that flushes what is left.
 */
export function watchTracebacks(
  sink: BatchSource,
  onEvent: (event: TracebackEvent) => void,
  opts: DetectorOptions = {},
): () => void {
  const detector = new TracebackDetector(opts);
  const emit = (events: TracebackEvent[]) => {
    for (const event of events) onEvent(event);
  };
  const unsubscribe = sink.onBatch((batch) => emit(detector.pushBatch(batch)));
  const timer = setInterval(() => emit(detector.flush(Date.now())), Math.max(50, (opts.idleMs ?? 1000) / 2));
  timer.unref?.(); // an idle log must not keep the agent alive
  return () => {
    unsubscribe();
    clearInterval(timer);
    emit(detector.flush());
  };
}
