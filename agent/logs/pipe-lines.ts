// Takes a process's output out of its pipe into its app's LogStore such that, whatever instant the
// taker is SIGKILLed at, every byte is either still in the pipe (for the log keeper or the next agent
// to take) or already in the log. Reading a chunk and then writing it would leave a moment where it is
// in neither. So the pipe is first looked at without taking anything (tee(2) into a scratch pipe of our
// own, read from there), and the whole lines found are then moved from the pipe into the log file in
// one kernel step (splice(2), LogStore.appendFromPipe). An unfinished last line stays in the pipe until
// its newline comes. Output the store does not keep byte for byte (CR LF, over-long lines), output
// while the disk is full, and the last unfinished line of a process that has ended are read and
// written as before. Used by the agent's log ingest and by the log keeper alike.
import { MAX_LINE } from "./line-shape";
import type { LogStore, LogStream } from "./log-store";
import { pipe as makePipe, NativeError, pipeHungUp, readAvailable, setNonBlocking, teePipe } from "../native";

const EINVAL = 22;

/** takeLines() found only an unfinished line: nothing taken, look again later. */
export const UNFINISHED = -2;
const NOT_A_PIPE = -3;

export class PipeLines {
  private readonly scratch: [number, number];
  /** What the last take looked at: batches handed to the store's listeners are views of it. */
  readonly buf: Buffer;

  constructor(readonly maxRead = 1 << 20) {
    this.scratch = makePipe(maxRead); // as large as a look may be (capped by the system's pipe-max-size)
    for (const fd of this.scratch) setNonBlocking(fd);
    this.buf = Buffer.alloc(maxRead);
  }

  /**
   * Stores what pipe `fd` (non-blocking) of process `pid` holds: the byte count taken; 0 when the pipe
   * has ended; -1 when it holds nothing now; UNFINISHED when it holds only the start of a line. With
   * no store (the app is gone), the output is taken and forgotten.
   */
  take(store: LogStore | undefined, pid: number, stream: LogStream, fd: number): number {
    const n = this.look(fd);
    if (n === NOT_A_PIPE) {
      const got = readAvailable(fd, this.buf);
      if (store && got > 0) store.write(pid, stream, this.buf.subarray(0, got));
      return got;
    }
    if (n <= 0) return n;
    const seen = this.buf.subarray(0, n);
    const end = seen.lastIndexOf(10) + 1;
    if (end > 0 && store?.appendFromPipe(pid, stream, seen.subarray(0, end), fd)) return end;
    // Only the start of a line, not too long to wait for: its newline comes in a later look, unless
    // the process has ended (its writers are gone), when it is read and held as its last line.
    if (store && end === 0 && n <= MAX_LINE && !pipeHungUp(fd)) return UNFINISHED;
    const count = end || n;
    const got = this.readExactly(fd, count);
    if (store && got > 0) store.write(pid, stream, this.buf.subarray(0, got));
    return got;
  }

  /** Copies the first bytes of the pipe into `buf` without taking them: the count, 0 at its end, -1 if empty. */
  private look(fd: number): number {
    let n: number;
    try {
      n = teePipe(fd, this.scratch[1], this.maxRead);
    } catch (e) {
      // The process put something else in place of its pipe (a file, a socket): it is only read.
      if (e instanceof NativeError && e.errno === EINVAL) return NOT_A_PIPE;
      throw e;
    }
    if (n <= 0) return n;
    let got = 0;
    while (got < n) {
      const r = readAvailable(this.scratch[0], this.buf.subarray(got, n));
      if (r <= 0) break;
      got += r;
    }
    if (got === n) return n;
    // Cannot be (the scratch pipe holds the n bytes just copied into it); if it were, what is left
    // there must not pass for the next look's bytes: emptied, and the pipe looked at again later.
    while (readAvailable(this.scratch[0], this.buf) > 0);
    return -1;
  }

  /** Takes `count` bytes the pipe holds (the ones look() saw) into `buf`. */
  private readExactly(fd: number, count: number): number {
    let got = 0;
    while (got < count) {
      const r = readAvailable(fd, this.buf.subarray(got, count));
      if (r <= 0) break;
      got += r;
    }
    return got;
  }
}
