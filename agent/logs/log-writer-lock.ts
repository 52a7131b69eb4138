// One writer per app log. LogStore writes app.log at its own offset (splice(2) cannot move into an
// O_APPEND file), so a second writer of the same log would not append after the first: it would
// overwrite its lines, or the two would interleave at the same offsets. The agent and its log keeper
// write the same files by turns (the keeper while no agent runs, handing back before the next agent
// opens a log), and this lock makes those turns certain: every LogStore holds a flock(2) on its log
// directory for as long as it is open (the kernel drops it when the holder dies, so a SIGKILLed
// writer never leaves it behind). A store opened while another holds it waits for it.
import { closeSync, constants, openSync, readFileSync, statSync } from "node:fs";
import { tryLockExclusive } from "../native";

/** Long enough for a keeper that is handing back to let go (it closes its logs before it answers). */
const WAIT_MS = 15_000;
const STEP_MS = 20;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Writers already waited out once (a keeper that did not hand back): not waited for again, log after log. */
const waitedOut = new Set<number>();

/** The pid holding a flock on `dir` (from /proc/locks), for the message; null if not found. */
function holderOf(dir: string): number | null {
  try {
    const ino = statSync(dir).ino;
    const line = readFileSync("/proc/locks", "utf8")
      .split("\n")
      .map((l) => l.trim().split(/\s+/)) // "1: FLOCK ADVISORY WRITE <pid> <maj:min:inode> 0 EOF"
      .find((f) => f[1] === "FLOCK" && f[5]?.endsWith(`:${ino}`));
    return line ? Number(line[4]) : null;
  } catch {
    return null;
  }
}

/**
 * Takes the writer's lock of log directory `dir` (waiting up to WAIT_MS while another writer holds
 * it) and returns the fd to close to release it. A lock still held after that is said on stderr and
 * the store opens all the same: a log that takes nothing would lose every line, a shared one at most
 * those the two write at once.
 */
export function lockLogWriter(dir: string, waitMs = WAIT_MS): number {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    const deadline = performance.now() + waitMs;
    let holder: number | null = null;
    while (!tryLockExclusive(fd)) {
      holder ??= holderOf(dir);
      if (performance.now() >= deadline || (holder !== null && waitedOut.has(holder))) {
        console.error(`stoker: the log in ${dir} is still written by another process${holder ? ` (pid ${holder})` : ""}; writing it all the same`);
        if (holder !== null) waitedOut.add(holder);
        break;
      }
      Atomics.wait(sleeper, 0, 0, STEP_MS); // a short wait on this thread: the log is not open until then
    }
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}
