// Waits on many raw fds at once (process output pipes, pidfds) for the main thread: one poll(2) at a
// time runs on a libuv pool thread (koffi's async call) and its answer comes back to the main loop,
// where the fds' handlers run. Why not a worker thread: a V8 isolate of its own costs ~12 MiB at rest,
// and Node's own handles cannot watch a pidfd. The pool thread is held only while an fd is watched.
import { writeSync } from "node:fs";
import { nonBlockingPipe, pollAsync, readAvailable } from "./native";

const POLLIN = 1;
const POLLFD_BYTES = 8; // struct pollfd { int fd; short events; short revents; }
// A backstop only (the wake pipe ends a poll at once): a pool thread is never held longer than this.
const MAX_WAIT_MS = 1000;
const WAKE = Buffer.from([1]);

export type Watch = {
  /** Stops watching (before the fd is closed: a closed fd's number may be reused). */
  close(): void;
  /** Leaves the fd out of the next polls for `ms` (a pipe left to fill before it is read again). */
  mute(ms: number): void;
};

type Entry = { fd: number; onReady: () => void; until: number };

class FdWatcher {
  private readonly entries = new Set<Entry>();
  private readonly wakeR: number;
  private readonly wakeW: number;
  private readonly wakeBytes = Buffer.alloc(64);
  private pending = false;
  private stopping = false;

  constructor() {
    [this.wakeR, this.wakeW] = nonBlockingPipe();
    // A pool thread still in poll(2) would hold up the process's exit until the poll ends.
    process.once("exit", () => {
      this.stopping = true;
      this.wake();
    });
  }

  watch(fd: number, onReady: () => void): Watch {
    const entry: Entry = { fd, onReady, until: 0 };
    this.entries.add(entry);
    this.changed();
    return {
      close: () => {
        if (this.entries.delete(entry)) this.changed();
      },
      mute: (ms) => {
        entry.until = performance.now() + ms;
      },
    };
  }

  /** The set changed: a poll in flight is ended so the next one has the new set. */
  private changed(): void {
    if (this.pending) this.wake();
    else this.arm();
  }

  private wake(): void {
    try {
      writeSync(this.wakeW, WAKE);
    } catch {
      // EAGAIN: a wake-up is pending already
    }
  }

  private arm(): void {
    if (this.pending || this.stopping || !this.entries.size) return;
    const now = performance.now();
    const polled = [...this.entries].filter((e) => e.until <= now);
    const muted = polled.length < this.entries.size;
    const wait = muted ? Math.max(0, Math.ceil(Math.min(...[...this.entries].map((e) => e.until)) - now)) : MAX_WAIT_MS;
    const fds = Buffer.alloc(POLLFD_BYTES * (polled.length + 1));
    [this.wakeR, ...polled.map((e) => e.fd)].forEach((fd, i) => {
      fds.writeInt32LE(fd, POLLFD_BYTES * i);
      fds.writeInt16LE(POLLIN, POLLFD_BYTES * i + 4);
    });
    this.pending = true;
    pollAsync(fds, polled.length + 1, Math.min(wait, MAX_WAIT_MS), (ready) => {
      this.pending = false;
      if (this.stopping) return;
      if (ready > 0 && fds.readInt16LE(6) !== 0) while (readAvailable(this.wakeR, this.wakeBytes) === this.wakeBytes.length);
      if (ready > 0) {
        for (const [i, entry] of polled.entries()) {
          // An fd unwatched meanwhile (its pipe ended in an earlier handler) is not read again.
          if (fds.readInt16LE(POLLFD_BYTES * (i + 1) + 6) === 0 || !this.entries.has(entry)) continue;
          try {
            entry.onReady();
          } catch (e) {
            console.error(`stoker agent: an fd watcher failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
          }
        }
      }
      this.arm();
    });
  }
}

let watcher: FdWatcher | null = null;

/** Calls `onReady` on the main thread each time `fd` is readable, has ended or failed (POLLIN, POLLHUP, POLLERR). */
export function watchFd(fd: number, onReady: () => void): Watch {
  watcher ??= new FdWatcher();
  return watcher.watch(fd, onReady);
}
