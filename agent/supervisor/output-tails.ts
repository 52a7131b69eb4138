// The last lines each process of an app wrote, kept in memory from the log's batches: what a
// process's status, a failed start's message and the doctor show without reading the log files.
import type { LogBatch } from "../logs/log-batch";

const TAIL_LINES = 30;

export class OutputTails {
  private tails = new Map<number, string[]>();

  keep(batch: LogBatch): void {
    // A sink batch holds one process's lines: only its last TAIL_LINES can survive.
    const pid = batch.pid;
    const tail = (this.tails.get(pid) ?? []).concat(batch.lastTexts(TAIL_LINES));
    this.tails.set(pid, tail.length > TAIL_LINES ? tail.slice(-TAIL_LINES) : tail);
    if (this.tails.size > 64) this.tails.delete(this.tails.keys().next().value ?? 0);
  }

  outputOf(pid: number): string {
    return (this.tails.get(pid) ?? []).join("\n").slice(-8192);
  }
}
