// Log ingest on the agent's main thread: every supervised process's stdout and stderr pipe is
// watched (fd-watch.ts: one poll(2) on a pool thread for all of them) and its whole lines moved into
// its app's LogStore when it has output (pipe-lines.ts: never lost to a SIGKILL of the agent), whose
// listeners get each stored batch at once.
// A flood is read in large chunks (read-pacing.ts); while the main thread is busy nothing is read
// and the pipes (1 MiB each) hold the output, so nothing is lost and memory stays bounded.
import { closeSync } from "node:fs";
import { type Watch, watchFd } from "../fd-watch";
import { pipeCapacity, setNonBlocking } from "../native";
import type { LogBatch } from "./log-batch";
import { type LogLimits, LogStore, type LogStream, type StorageState } from "./log-store";
import { PipeLines, UNFINISHED } from "./pipe-lines";
import { pauseAfterRead } from "./read-pacing";

const MAX_READ = 1 << 20; // one pipe's worth: a flooding process cannot keep the others waiting
// A pipe holding only the start of a line is looked at again after this, then less and less often
// while that line stays unfinished (a prompt waiting for input).
const UNFINISHED_WAIT_MS = 10;
const MAX_UNFINISHED_WAIT_MS = 250;
const OUTAGE_RETRY_MS = 1000;

type Pipe = { fd: number; log: number; pid: number; stream: "out" | "err"; capacity: number; readAt: number; wait: number; watch: Watch; ended: () => void };

class Ingest {
  private readonly stores = new Map<number, LogStore>();
  private readonly outages = new Set<number>();
  private outageTimer: NodeJS.Timeout | null = null;
  // One take at a time: batches are views of its buffer, valid while their listeners run.
  private readonly lines = new PipeLines(MAX_READ);
  private nextId = 1;

  open(dir: string, limits: LogLimits, onBatch: (batch: LogBatch) => void, onStorage?: (state: StorageState) => void): number {
    const log = this.nextId++;
    const store = new LogStore(dir, limits);
    store.onBatch(onBatch);
    const storage = (state: StorageState) => {
      onStorage?.(state);
      if (state.full) this.outage(log);
    };
    store.onStorage(storage);
    this.stores.set(log, store);
    const outage = store.storageState(); // full already when opened
    if (outage) storage(outage);
    return log;
  }

  close(log: number): void {
    this.guard(log, (s) => s.close());
    this.stores.delete(log);
    this.outages.delete(log);
  }

  write(log: number, pid: number, stream: LogStream, text: string | Uint8Array): void {
    this.guard(log, (s) => s.write(pid, stream, typeof text === "string" ? text : Buffer.from(text.buffer, text.byteOffset, text.length)));
  }

  flush(log: number, pid: number): void {
    this.guard(log, (s) => s.flush(pid));
  }

  /** Reads the pipe to its end into log `log`, then closes it; resolves once everything read is stored. */
  attach(log: number, fd: number, pid: number, stream: "out" | "err"): Promise<void> {
    setNonBlocking(fd);
    return new Promise<void>((ended) => {
      const pipe: Pipe = { fd, log, pid, stream, capacity: pipeCapacity(fd), readAt: 0, wait: 0, ended, watch: { close() {}, mute() {} } };
      pipe.watch = watchFd(fd, () => this.read(pipe));
    });
  }

  private read(pipe: Pipe): void {
    const store = this.stores.get(pipe.log); // none: the app was removed while its output drained
    let n: number;
    try {
      n = this.lines.take(store, pipe.pid, pipe.stream, pipe.fd);
    } catch (e) {
      console.error(`stoker agent: log ${store?.dir ?? pipe.log}: ${e instanceof Error ? e.message : String(e)}`);
      n = 0; // a pipe that cannot be looked at any more is treated as ended
    }
    if (n === UNFINISHED) {
      pipe.wait = Math.min(MAX_UNFINISHED_WAIT_MS, pipe.wait ? pipe.wait * 2 : UNFINISHED_WAIT_MS);
      pipe.watch.mute(pipe.wait);
      return;
    }
    pipe.wait = 0;
    if (n < 0) return;
    if (n === 0) {
      this.end(pipe);
      return;
    }
    const now = performance.now();
    const pause = pauseAfterRead(n, now - pipe.readAt, pipe.capacity);
    pipe.readAt = now;
    if (pause > 0) pipe.watch.mute(pause);
  }

  private end(pipe: Pipe): void {
    // Its last unfinished line is whole now (it waited in the pipe until the writers were gone, which
    // can be after the process's own exit was handled: a child of it held the pipe).
    this.guard(pipe.log, (s) => s.flush(pipe.pid, [pipe.stream]));
    pipe.watch.close();
    try {
      closeSync(pipe.fd);
    } catch {
      // already closed
    }
    pipe.ended();
  }

  /** Runs a store operation; a failure is logged, never thrown into the process's supervision. */
  private guard(log: number, op: (store: LogStore) => void): void {
    const store = this.stores.get(log);
    if (!store) return;
    try {
      op(store);
    } catch (e) {
      console.error(`stoker agent: log ${store.dir}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** A log that cannot store (disk full) is retried even if no output comes to retry it. */
  private outage(log: number): void {
    this.outages.add(log);
    this.outageTimer ??= setInterval(() => {
      for (const l of [...this.outages]) if (!this.stores.get(l)?.retryOutage()) this.outages.delete(l);
      if (!this.outages.size && this.outageTimer) {
        clearInterval(this.outageTimer);
        this.outageTimer = null;
      }
    }, OUTAGE_RETRY_MS).unref();
  }
}

let ingest: Ingest | null = null;

/** The agent's one log ingest (made on first use). */
export function logIngest(): Ingest {
  ingest ??= new Ingest();
  return ingest;
}
