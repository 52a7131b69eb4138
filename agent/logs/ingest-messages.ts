// What the agent's main thread and the log ingest thread say to each other. These are
// worker_threads messages inside one process, between two ends of this code: typed, not parsed.
import type { MessagePort } from "node:worker_threads";
import type { LogLimits, LogStream, StorageState } from "./log-store";

export type IngestCommand =
  | { op: "open"; log: number; dir: string; limits: LogLimits }
  | { op: "close"; log: number }
  | { op: "write"; log: number; pid: number; stream: LogStream; text: string | Uint8Array }
  | { op: "flush"; log: number; pid: number }
  /** Hands a pipe's read end over to the ingest thread, which reads it to its end and closes it. */
  | { op: "attach"; log: number; id: number; fd: number; pid: number; stream: "out" | "err" }
  /** Answered with `done` once every command before it has been carried out. */
  | { op: "sync"; id: number };

export type IngestEvent =
  /** A stored batch: `len` bytes at `at` in the shared ring, or its own copy in `bytes`. */
  | { t: "batch"; log: number; ts: string; pid: number; stream: LogStream; seq: number; at: number; len: number; bytes?: Uint8Array }
  /** An attached pipe reached its end, or a sync was reached. */
  | { t: "done"; id: number }
  | { t: "failed"; log: number; message: string }
  /** The log cannot store output (disk full), or can again. */
  | { t: "storage"; log: number; state: StorageState };

/** One message from the ingest thread: events in order, then the ring bytes the main thread frees once it has handled them. */
export type IngestPost = { events: IngestEvent[]; release: number };

export type IngestWorkerData = { commands: MessagePort; wakeFd: number; ring: SharedArrayBuffer; control: SharedArrayBuffer };

/** control[RELEASED]: ring bytes the main thread is done with, in total (wraps at 2^32). */
export const RELEASED = 0;
/** control[MAIN_IDLE]: 1 once the main thread has handled every message so far. */
export const MAIN_IDLE = 1;
/** control[STOPPING]: 1 once the process is exiting; the thread ends its loop so the exit can join it. */
export const STOPPING = 2;
export const CONTROL_BYTES = 12;
