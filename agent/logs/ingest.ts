// Log ingest on the agent's main thread: every supervised process's stdout and stderr pipe is
// watched (fd-watch.ts: one poll(2) on a pool thread for all of them), read with read(2) when it has
// output and appended to its app's LogStore, whose listeners get each stored batch at once.
// A flood is read in large chunks (read-pacing.ts); while the main thread is busy nothing is read
// and the pipes (1 MiB each) hold the output, so nothing is lost and memory stays bounded.
import { closeSync } from "node:fs";
import { type Watch, watchFd } from "../fd-watch";
import { pipeCapacity, readAvailable, setNonBlocking } from "../native";
import type { LogBatch } from "./log-batch";
import { type LogLimits, LogStore, type LogStream, type StorageState } from "./log-store";
import { pauseAfterRead } from "./read-pacing";

const MAX_READ = 1 << 20; // one pipe's worth: a flooding process cannot keep the others waiting
const MAX_HELD = 64 << 10; // an unfinished line put in front of the next read (LogStore holds ≤ 16 KiB)
const OUTAGE_RETRY_MS = 1000;

type Pipe = { fd: number; log: number; pid: number; stream: "out" | "err"; capacity: number; readAt: number; watch: Watch; ended: () => void };

class Ingest {
  private readonly stores = new Map<number, LogStore>();
  private readonly outages = new Set<number>();
  private outageTimer: NodeJS.Timeout | null = null;
  // One read at a time: batches are views of it, valid while their listeners run.
  private readonly buf = Buffer.alloc(MAX_READ + MAX_HELD);
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
      const pipe: Pipe = { fd, log, pid, stream, capacity: pipeCapacity(fd), readAt: 0, ended, watch: { close() {}, mute() {} } };
      pipe.watch = watchFd(fd, () => this.read(pipe));
    });
  }

  private read(pipe: Pipe): void {
    const store = this.stores.get(pipe.log); // none: the app was removed while its output drained
    // The line left unfinished by the last read goes in front, so the whole chunk is one batch.
    const held = store?.takeHeld(pipe.pid, pipe.stream);
    const heldBytes = held && held.length <= MAX_HELD ? held.copy(this.buf, 0) : 0;
    if (held && !heldBytes) store?.write(pipe.pid, pipe.stream, held);
    const n = readAvailable(pipe.fd, this.buf.subarray(heldBytes, heldBytes + MAX_READ));
    if (n <= 0) {
      if (heldBytes) store?.write(pipe.pid, pipe.stream, this.buf.subarray(0, heldBytes)); // held again, or stored by the flush at the end
      if (n === 0) this.end(pipe);
      return;
    }
    if (store) this.guard(pipe.log, (s) => s.write(pipe.pid, pipe.stream, this.buf.subarray(0, heldBytes + n)));
    const now = performance.now();
    const pause = pauseAfterRead(n, now - pipe.readAt, pipe.capacity);
    pipe.readAt = now;
    if (pause > 0) pipe.watch.mute(pause);
  }

  private end(pipe: Pipe): void {
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
