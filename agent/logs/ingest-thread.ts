// The agent's end of the log ingest thread (ingest-worker.ts): starts it on first use, sends it
// commands, and hands each stored batch to the listener of the log it belongs to.
import { writeSync } from "node:fs";
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { CONTROL_BYTES, type IngestCommand, type IngestPost, MAIN_IDLE, RELEASED, STOPPING } from "./ingest-messages";
import { LogBatch } from "./log-batch";
import type { LogLimits, StorageState } from "./log-store";
import { nonBlockingPipe } from "../native";

// Batches wait here, not copied, until the main thread has handed them to their listeners.
const RING_BYTES = 4 << 20;
const WAKE = Buffer.from([1]);

function workerUrl(): URL {
  // The bundled agent has dist/ingest-worker.mjs beside it; from source, a stub loads the TypeScript.
  const fromSource = import.meta.url.endsWith(".ts");
  return new URL(fromSource ? "./ingest-worker-dev.mjs" : "./ingest-worker.mjs", import.meta.url);
}

class IngestThread {
  private readonly commands: MessagePort;
  private readonly wakeFd: number;
  private readonly ring: Buffer;
  private readonly control: Int32Array;
  private readonly worker: Worker;
  private readonly logs = new Map<number, (batch: LogBatch) => void>();
  private readonly storage = new Map<number, (state: StorageState) => void>();
  private readonly waiting = new Map<number, () => void>();
  private nextId = 1;

  constructor() {
    const [wakeRead, wakeWrite] = nonBlockingPipe();
    this.wakeFd = wakeWrite;
    const ring = new SharedArrayBuffer(RING_BYTES);
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    this.ring = Buffer.from(ring);
    this.control = new Int32Array(control);
    Atomics.store(this.control, MAIN_IDLE, 1);
    const { port1, port2 } = new MessageChannel();
    this.commands = port1;
    const worker = new Worker(workerUrl(), { workerData: { commands: port2, wakeFd: wakeRead, ring, control }, transferList: [port2] });
    this.worker = worker;
    worker.on("message", (post: IngestPost) => this.receive(post));
    worker.on("error", (e) => {
      // Output would pile up unread in every pipe: exit, and let the next agent adopt the processes.
      console.error(`stoker agent: the log ingest thread failed: ${e.stack ?? e}`);
      process.exit(70);
    });
    worker.unref(); // only an answer being awaited keeps the process alive (see expect)
    // The thread sleeps in poll(2), where Node cannot stop it: the process's exit waits for it to end its loop.
    process.once("exit", () => {
      Atomics.store(this.control, STOPPING, 1);
      this.wake();
    });
  }

  open(dir: string, limits: LogLimits, onBatch: (batch: LogBatch) => void, onStorage?: (state: StorageState) => void): number {
    const log = this.nextId++;
    this.logs.set(log, onBatch);
    if (onStorage) this.storage.set(log, onStorage);
    this.send({ op: "open", log, dir, limits });
    return log;
  }

  close(log: number): void {
    this.logs.delete(log);
    this.storage.delete(log);
    this.send({ op: "close", log });
  }

  /** Resolves once the pipe has reached its end and everything read from it is stored. */
  attach(log: number, fd: number, pid: number, stream: "out" | "err"): Promise<void> {
    const id = this.nextId++;
    const ended = this.expect(id);
    this.send({ op: "attach", log, id, fd, pid, stream });
    return ended;
  }

  /** Resolves once every command sent before it has been carried out. */
  sync(): Promise<void> {
    const id = this.nextId++;
    const reached = this.expect(id);
    this.send({ op: "sync", id });
    return reached;
  }

  private expect(id: number): Promise<void> {
    if (!this.waiting.size) this.worker.ref();
    return new Promise<void>((resolve) => this.waiting.set(id, resolve));
  }

  send(command: IngestCommand): void {
    this.commands.postMessage(command);
    this.wake();
  }

  private wake(): void {
    try {
      writeSync(this.wakeFd, WAKE);
    } catch {
      // EAGAIN: the pipe is full of wake-ups already
    }
  }

  private receive(post: IngestPost): void {
    try {
      for (const event of post.events) {
        if (event.t === "batch") {
          const bytes = event.bytes ? Buffer.from(event.bytes.buffer, event.bytes.byteOffset, event.len) : this.ring.subarray(event.at, event.at + event.len);
          this.logs.get(event.log)?.(new LogBatch(event.ts, event.pid, event.stream, bytes, event.seq));
        } else if (event.t === "done") {
          this.waiting.get(event.id)?.();
          this.waiting.delete(event.id);
          if (!this.waiting.size) this.worker.unref();
        } else if (event.t === "storage") this.storage.get(event.log)?.(event.state);
        else console.error(`stoker agent: log ${event.log}: ${event.message}`);
      }
    } finally {
      // The listeners are done with these ring bytes (they keep lines, never batches).
      if (post.release) {
        Atomics.add(this.control, RELEASED, post.release);
        Atomics.notify(this.control, RELEASED);
      }
      Atomics.store(this.control, MAIN_IDLE, 1);
    }
  }
}

let thread: IngestThread | null = null;

export function ingestThread(): IngestThread {
  thread ??= new IngestThread();
  return thread;
}
