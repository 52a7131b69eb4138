// The log keeper's copies of the app processes' pipes while the agent is alive (issue 18). A pipe's
// readers are the process itself (its fds 3 and 4) and the agent; a process that exits at the
// instant the agent dies closes both, and what it wrote last, still in the pipe, was lost. So the
// keeper takes its own read ends (pidfd_getfd) of every process the agent's state file names, as
// soon as it names it, and never reads them while the agent lives: when the agent dies it reads
// them all to their end (log-keeper.ts), those of processes that exited too.
// Bounded: a copy is closed once its pipe has ended and is empty (every writer gone, the agent read
// it to its end), so the keeper holds 2 per live process, plus, for a few ms, those of a process
// that just exited whose last bytes the agent is still reading.
import { closeSync, fstatSync, statSync } from "node:fs";
import path from "node:path";
import { pipeEnded, takeFd } from "../native";
import { isAlive } from "../supervisor/proc-stats";
import { readState } from "../supervisor/state-file";

const OUT_READ_FD = 3;
const ERR_READ_FD = 4;
/** How often the state file is looked at: a process must live this long to be copied before the agent dies. */
const LOOK_MS = 50;

export type PipeCopy = { appId: string; pid: number; fds: [number, "out" | "err"][] };

export class PipeCopies {
  private copies = new Map<string, PipeCopy>(); // `${pid}:${startTicks}` → its two read ends
  private seenInode = -1;
  private timer: NodeJS.Timeout | null = null;
  private readonly stateFile: string;

  constructor(stateDir: string) {
    this.stateFile = path.join(stateDir, "state.json");
  }

  start(): void {
    this.timer = setInterval(() => this.look(), LOOK_MS);
    this.timer.unref();
  }

  /** The agent is gone: stops copying; the copies are the caller's now (to read to their end). */
  takeAll(): PipeCopy[] {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const all = [...this.copies.values()];
    this.copies.clear();
    return all;
  }

  /** How many fds the copies hold (tests and the keeper's log). */
  count(): number {
    let n = 0;
    for (const c of this.copies.values()) n += c.fds.length;
    return n;
  }

  private look(): void {
    this.release();
    let inode: number;
    try {
      inode = statSync(this.stateFile).ino; // written by rename: a new inode is a new file
    } catch {
      return;
    }
    if (inode === this.seenInode) return;
    this.seenInode = inode;
    for (const app of readState(this.stateFile)) {
      for (const p of app.processes) {
        const key = `${p.pid}:${p.startTicks}`;
        if (!p.pid || p.foreign || this.copies.has(key) || !isAlive(p.pid, p.startTicks)) continue; // a foreign process has no pipes of ours
        const fds: [number, "out" | "err"][] = [];
        for (const [fdNo, stream] of [[OUT_READ_FD, "out"], [ERR_READ_FD, "err"]] as const) {
          const fd = takePipe(p.pid, fdNo);
          if (fd !== null) fds.push([fd, stream]);
        }
        // Taken after the start-time check: if the pid was reused in between, these are not its pipes.
        if (!isAlive(p.pid, p.startTicks)) for (const [fd] of fds.splice(0)) closeSync(fd);
        if (fds.length) this.copies.set(key, { appId: app.desired.appId, pid: p.pid, fds });
      }
    }
  }

  /** Closes the copies whose pipe has ended and is empty: nothing is left in them to lose. */
  private release(): void {
    for (const [key, copy] of this.copies) {
      copy.fds = copy.fds.filter(([fd]) => {
        if (!pipeEnded(fd)) return true;
        closeSync(fd);
        return false;
      });
      if (!copy.fds.length) this.copies.delete(key);
    }
  }
}

/** Fd `fdNo` of `pid` if it is a pipe (an adopted process may use its fds 3 and 4 for something else). */
function takePipe(pid: number, fdNo: number): number | null {
  let fd: number;
  try {
    fd = takeFd(pid, fdNo);
  } catch {
    return null; // gone, or not ours (the app closed it)
  }
  if (fstatSync(fd).isFIFO()) return fd;
  closeSync(fd);
  return null;
}
