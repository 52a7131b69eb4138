// poll(2) over many raw pipe fds for the log ingest thread, which waits on every process's pipes at
// once without an event-loop turn per read.
import { poll } from "../native";

const POLLIN = 1;
const POLLFD_BYTES = 8; // struct pollfd { int fd; short events; short revents; }

export class PollSet {
  private fds = Buffer.alloc(0);
  count = 0;

  set(fds: readonly number[]): void {
    this.fds = Buffer.alloc(POLLFD_BYTES * fds.length);
    fds.forEach((fd, i) => {
      this.fds.writeInt32LE(fd, POLLFD_BYTES * i);
      this.fds.writeInt16LE(POLLIN, POLLFD_BYTES * i + 4);
    });
    this.count = fds.length;
  }

  /** Waits up to `timeoutMs` (-1: no limit) for input, an end or an error on any fd; returns how many have one. */
  wait(timeoutMs: number): number {
    const n = poll(this.fds, this.count, timeoutMs);
    if (n >= 0) return n;
    for (let i = 0; i < this.count; i++) this.fds.writeInt16LE(0, POLLFD_BYTES * i + 6); // EINTR: nothing is ready
    return 0;
  }

  ready(i: number): boolean {
    return this.fds.readInt16LE(POLLFD_BYTES * i + 6) !== 0;
  }
}
