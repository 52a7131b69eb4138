// The log ingest thread: reads every supervised process's stdout and stderr pipes and appends the
// output to its app's LogStore, so a flood is stored at the speed of the pipe whatever the main
// thread is doing. Stored batches go to the main thread as places in a shared ring, not copies;
// while the main thread still holds the whole ring, reading waits and the pipes absorb the burst.
import { closeSync } from "node:fs";
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import type { IngestCommand, IngestEvent, IngestPost, IngestWorkerData } from "./ingest-messages";
import { MAIN_IDLE, RELEASED, STOPPING } from "./ingest-messages";
import type { LogBatch } from "./log-batch";
import { LogStore } from "./log-store";
import { pipeCapacity, readAvailable, setNonBlocking } from "../native";
import { PollSet } from "./pipe-poll";
import { MIN_READ, pauseAfterRead } from "./read-pacing";

const MAX_READ = 1 << 20; // one pipe's worth: a flooding process cannot keep the others waiting
// While output flows, batches are handed over at most this often: fewer, larger messages. A line
// on a live tail waits at most this long for it.
const POST_EVERY_MS = 2;
const FLOOD_POST_EVERY_MS = 8; // and in a flood: the ring holds ~10 ms of it, the main thread wakes less

type Pipe = { id: number; fd: number; log: number; pid: number; stream: "out" | "err"; capacity: number; readAt: number };

const data = workerData as IngestWorkerData;
const ring = Buffer.from(data.ring);
const control = new Int32Array(data.control);
const stores = new Map<number, LogStore>();
const pipes = new Map<number, Pipe>();
const polls = new PollSet();
let polled: Pipe[] = [];
let pipesChanged = true;
let outbox: IngestEvent[] = [];
let release = 0; // ring bytes the main thread frees after handling the outbox
let handedOut = 0; // ring bytes given to reads so far (wraps at 2^32, as control[RELEASED] does)
let writeAt = 0;
let outages = 0; // logs that could not store at the last look
let nextOutageCheck = 0;
const OUTAGE_RETRY_MS = 1000;
let postedAt = 0;

function post(): void {
  if (!outbox.length && !release) return;
  postedAt = performance.now();
  Atomics.store(control, MAIN_IDLE, 0);
  parentPort?.postMessage({ events: outbox, release } satisfies IngestPost);
  outbox = [];
  release = 0;
}

function batchEvent(log: number, batch: LogBatch): IngestEvent {
  const { ts, pid, stream, seq, bytes } = batch;
  if (bytes.buffer === data.ring) return { t: "batch", log, ts, pid, stream, seq, at: bytes.byteOffset, len: bytes.length };
  return { t: "batch", log, ts, pid, stream, seq, at: 0, len: bytes.length, bytes: new Uint8Array(bytes) }; // rewritten lines (CRLF, cut) or the agent's own: a copy
}

function run(command: IngestCommand): void {
  switch (command.op) {
    case "open": {
      const store = new LogStore(command.dir, command.limits);
      store.onBatch((batch) => outbox.push(batchEvent(command.log, batch)));
      store.onStorage((state) => {
        outbox.push({ t: "storage", log: command.log, state });
        if (state.full) outages++;
      });
      const outage = store.storageState(); // full already when opened
      if (outage) {
        outbox.push({ t: "storage", log: command.log, state: outage });
        outages++;
      }
      stores.set(command.log, store);
      return;
    }
    case "close":
      stores.get(command.log)?.close();
      stores.delete(command.log);
      return;
    case "write":
      stores.get(command.log)?.write(command.pid, command.stream, typeof command.text === "string" ? command.text : Buffer.from(command.text));
      return;
    case "flush":
      stores.get(command.log)?.flush(command.pid);
      return;
    case "attach":
      setNonBlocking(command.fd);
      pipes.set(command.id, { id: command.id, fd: command.fd, log: command.log, pid: command.pid, stream: command.stream, capacity: pipeCapacity(command.fd), readAt: 0 });
      pipesChanged = true;
      return;
    case "sync":
      outbox.push({ t: "done", id: command.id });
      post();
      return;
  }
}

function runCommands(): void {
  for (let m = receiveMessageOnPort(data.commands); m; m = receiveMessageOnPort(data.commands)) {
    const command = m.message as IngestCommand;
    try {
      run(command);
    } catch (e) {
      outbox.push({ t: "failed", log: "log" in command ? command.log : 0, message: e instanceof Error ? e.message : String(e) });
    }
  }
}

const wakeBytes = Buffer.alloc(256);
function drainWake(): void {
  while (readAvailable(data.wakeFd, wakeBytes) === wakeBytes.length);
}

/**
 * Room for the next read in the ring, once the main thread has let go of the bytes it overwrites;
 * 0 if the process is exiting (its main thread will not let go of anything any more).
 */
function reserve(): number {
  if (ring.length - writeAt < MIN_READ) {
    const skipped = ring.length - writeAt; // the tail too short for a read: freed with the next post
    handedOut = (handedOut + skipped) | 0;
    release += skipped;
    writeAt = 0;
  }
  const size = Math.min(MAX_READ, ring.length - writeAt);
  for (;;) {
    const released = Atomics.load(control, RELEASED);
    if (((handedOut - released) | 0) + size <= ring.length) return size;
    if (Atomics.load(control, STOPPING)) return 0;
    post();
    Atomics.wait(control, RELEASED, released, 50);
  }
}

function end(pipe: Pipe): void {
  try {
    closeSync(pipe.fd);
  } catch {
    // already closed
  }
  pipes.delete(pipe.id);
  pipesChanged = true;
  outbox.push({ t: "done", id: pipe.id });
}

/** Reads what the pipe holds into the ring and stores it. Returns how long to let the pipe fill before the next read (ms). */
function readPipe(pipe: Pipe): number {
  const size = reserve();
  if (!size) return 0;
  const store = stores.get(pipe.log); // none: the app was removed while its output drained
  // The line left unfinished by the last read goes in front, so the whole chunk is one batch in the ring.
  const held = store?.takeHeld(pipe.pid, pipe.stream);
  const heldBytes = held ? held.copy(ring, writeAt) : 0;
  const n = readAvailable(pipe.fd, ring.subarray(writeAt + heldBytes, writeAt + size));
  if (n <= 0) {
    if (held) store?.write(pipe.pid, pipe.stream, held); // held again, or stored by the flush at the end
    if (n === 0) end(pipe);
    return 0;
  }
  const chunk = ring.subarray(writeAt, writeAt + heldBytes + n);
  handedOut = (handedOut + chunk.length) | 0;
  release += chunk.length;
  writeAt += chunk.length;
  store?.write(pipe.pid, pipe.stream, chunk);
  const now = performance.now();
  const pause = pauseAfterRead(n, now - pipe.readAt, pipe.capacity);
  pipe.readAt = now;
  return pause;
}

while (!Atomics.load(control, STOPPING)) {
  if (pipesChanged) {
    polled = [...pipes.values()];
    polls.set([data.wakeFd, ...polled.map((p) => p.fd)]);
    pipesChanged = false;
  }
  // Before sleeping, hand over everything stored (after a short wait for more, if the last hand-over was
  // just now); while busy, only when the main thread is ready for more.
  if (polls.wait(0) === 0) {
    const wait = Math.ceil(postedAt + POST_EVERY_MS - performance.now());
    if (!outbox.length || wait <= 0 || polls.wait(wait) === 0) {
      post();
      // A log that cannot store (disk full) is retried even if no output comes to retry it.
      polls.wait(outages ? OUTAGE_RETRY_MS : -1);
    }
  }
  if (outages && performance.now() >= nextOutageCheck) {
    outages = 0;
    for (const store of stores.values()) outages += store.retryOutage() ? 1 : 0;
    nextOutageCheck = performance.now() + OUTAGE_RETRY_MS;
  }
  if (polls.ready(0)) {
    drainWake();
    runCommands();
  }
  let pause = Number.POSITIVE_INFINITY;
  for (let i = 0; i < polled.length; i++) {
    if (polls.ready(i + 1) && pipes.has(polled[i].id)) pause = Math.min(pause, readPipe(polled[i]));
  }
  const flooding = pause > 0 && pause !== Number.POSITIVE_INFINITY;
  if (Atomics.load(control, MAIN_IDLE) && performance.now() - postedAt >= (flooding ? FLOOD_POST_EVERY_MS : POST_EVERY_MS)) post();
  if (flooding) Atomics.wait(control, STOPPING, 0, pause);
}
