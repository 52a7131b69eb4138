// An app's log as the rest of the agent sees it: lines and whole process pipes go to the app's
// LogStore (ingest.ts), and the batches it stores come back here to listeners.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { logIngest } from "./ingest";
import type { BatchSource, LogBatch } from "./log-batch";
import { forgetStorage, reportStorage } from "./log-storage-status";
import { noteLine } from "./line-shape";
import { DEFAULT_LOG_LIMITS, type LogLimits, type LogStream } from "./log-store";

export class LogSink implements BatchSource {
  readonly file: string;
  private readonly log: number;
  private readonly listeners = new Set<(batch: LogBatch) => void>();
  private closed = false;

  constructor(
    readonly dir: string,
    limits: LogLimits = DEFAULT_LOG_LIMITS,
  ) {
    mkdirSync(dir, { recursive: true }); // a directory that cannot be made fails here, in the caller
    this.file = path.join(dir, "app.log");
    this.log = logIngest().open(
      dir,
      limits,
      (batch) => {
        for (const listener of this.listeners) listener(batch);
      },
      (state) => {
        if (!this.closed) reportStorage(dir, state);
      },
    );
  }

  /** Every stored batch of lines, as it is stored. Valid only during the call: keep lines, not the batch. */
  onBatch(listener: (batch: LogBatch) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stores output that did not come through a pipe (the web server's lines); an unfinished last line waits. */
  write(pid: number, stream: LogStream, text: string | Uint8Array): void {
    if (!this.closed) logIngest().write(this.log, pid, stream, text);
  }

  /** A line written by the agent itself about the app (start, exit, restart). */
  note(text: string): void {
    this.write(0, "err", noteLine(text));
  }

  /** Stores what is left of a process's last unterminated line (on exit). */
  flush(pid: number): void {
    if (!this.closed) logIngest().flush(this.log, pid);
  }

  /** Hands a pipe's read end to the log ingest; resolves when the pipe has ended and all of it is stored. */
  attach(fd: number, pid: number, stream: "out" | "err"): Promise<void> {
    return logIngest().attach(this.log, fd, pid, stream);
  }

  /** Resolves once everything written before it is in the files (read after it, and see it): at once, writes are synchronous. */
  settled(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    forgetStorage(this.dir);
    logIngest().close(this.log);
  }
}
