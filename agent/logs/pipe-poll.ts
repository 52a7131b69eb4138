// poll(2) and non-blocking pipes for the log ingest thread, which waits on many raw pipe fds at
// once without an event loop turn per read (Node exposes neither).
import koffi from "koffi";

const libc = koffi.load("libc.so.6");
const c = {
  poll: libc.func("int poll(void *fds, unsigned long nfds, int timeout)"),
  fcntl: libc.func("int fcntl(int fd, int cmd, int arg)"),
  pipe2: libc.func("int pipe2(_Out_ int *fds, int flags)"),
  read: libc.func("long read(int fd, void *buf, unsigned long count)"),
};

const POLLIN = 1;
const F_GETFL = 3;
const F_SETFL = 4;
const F_GETPIPE_SZ = 1032;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const EAGAIN = 11;
const EINTR = 4;
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
    const n = c.poll(this.fds, this.count, timeoutMs);
    if (n >= 0) return n;
    for (let i = 0; i < this.count; i++) this.fds.writeInt16LE(0, POLLFD_BYTES * i + 6); // EINTR: nothing is ready
    return 0;
  }

  ready(i: number): boolean {
    return this.fds.readInt16LE(POLLFD_BYTES * i + 6) !== 0;
  }
}

export function setNonBlocking(fd: number): void {
  c.fcntl(fd, F_SETFL, c.fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
}

/** How many bytes a pipe holds before its writer blocks (0 if `fd` is not a pipe). */
export function pipeCapacity(fd: number): number {
  return Math.max(0, c.fcntl(fd, F_GETPIPE_SZ, 0));
}

/** A non-blocking, close-on-exec pipe: [readFd, writeFd]. */
export function nonBlockingPipe(): [number, number] {
  const fds = [0, 0];
  if (c.pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) throw new Error(`pipe2 failed (errno ${koffi.errno()})`);
  return [fds[0], fds[1]];
}

/**
 * Reads what a non-blocking fd holds into `into` (a Buffer view: its offset counts): the byte
 * count; 0 at the end, or on an error that ends it; -1 when it holds nothing right now. Unlike
 * fs.readSync, an empty pipe costs no exception.
 */
export function readAvailable(fd: number, into: Buffer): number {
  const n = Number(c.read(fd, into, into.length));
  if (n >= 0) return n;
  const errno = koffi.errno();
  return errno === EAGAIN || errno === EINTR ? -1 : 0;
}
