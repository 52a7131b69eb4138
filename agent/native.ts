// The few libc calls Node does not expose: listening sockets that are not accepted on, pipes with
// raw fds, a process's pidfd and taking an fd back from it (pidfd_open, pidfd_getfd), and waiting on
// many raw fds at once off the main thread (poll, as koffi's async call) and reading them (read), and
// moving output from a pipe into a file in one kernel step (tee to look, splice to move).
import koffi from "koffi";

const libc = koffi.load("libc.so.6");
const c = {
  socket: libc.func("int socket(int domain, int type, int protocol)"),
  bind: libc.func("int bind(int fd, void *addr, uint32_t len)"),
  listen: libc.func("int listen(int fd, int backlog)"),
  setsockopt: libc.func("int setsockopt(int fd, int level, int name, int *value, uint32_t len)"),
  close: libc.func("int close(int fd)"),
  pipe2: libc.func("int pipe2(_Out_ int *fds, int flags)"),
  fcntl: libc.func("int fcntl(int fd, int cmd, int arg)"),
  poll: libc.func("int poll(void *fds, unsigned long nfds, int timeout)"),
  read: libc.func("long read(int fd, void *buf, unsigned long count)"),
  tee: libc.func("long tee(int fd_in, int fd_out, unsigned long len, unsigned int flags)"),
  splice: libc.func("long splice(int fd_in, void *off_in, int fd_out, void *off_out, unsigned long len, unsigned int flags)"),
  syscall: libc.func("long syscall(long nr, ...)"),
  flock: libc.func("int flock(int fd, int op)"),
  prctl: libc.func("int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)"),
  strerror: libc.func("const char *strerror(int errnum)"),
};

const AF_UNIX = 1;
const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const O_CLOEXEC = 0o2000000;
const O_NONBLOCK = 0o4000;
const F_GETFL = 3;
const F_SETFL = 4;
const F_GETPIPE_SZ = 1032;
const F_DUPFD_CLOEXEC = 1030;
const EAGAIN = 11;
const EINTR = 4;
const EIO = 5;
const POLLIN = 1;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const F_SETPIPE_SZ = 1031;
const SYS_PIDFD_OPEN = 434;
const SYS_PIDFD_GETFD = 438;

// The errno names callers tell apart (as Node's own errors carry them in `code`).
const ERRNO_CODES: Record<number, string> = { 5: "EIO", 27: "EFBIG", 28: "ENOSPC", 122: "EDQUOT" };

export class NativeError extends Error {
  readonly code: string | undefined;
  constructor(
    readonly call: string,
    readonly errno: number,
  ) {
    super(`${call} failed: ${c.strerror(errno)} (errno ${errno})`);
    this.code = ERRNO_CODES[errno];
  }
}

function check(call: string, rc: number | bigint): number {
  const n = Number(rc);
  if (n < 0) throw new NativeError(call, koffi.errno());
  return n;
}

/** A listening Unix socket, close-on-exec in the agent (children get it as fd 0 via spawn's stdio). */
export function listenUnix(path: string, backlog = 1024): number {
  const len = Buffer.byteLength(path);
  if (len > 107) throw new Error(`Socket path is ${len} bytes; Unix sockets allow at most 107.`);
  const fd = check("socket", c.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  addr.write(path, 2);
  try {
    check("bind", c.bind(fd, addr, 2 + len + 1));
    check("listen", c.listen(fd, backlog));
  } catch (e) {
    c.close(fd);
    throw e;
  }
  return fd;
}

export function listenTcp(ipv4: string, port: number, backlog = 1024): number {
  const fd = check("socket", c.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const addr = Buffer.alloc(16);
  addr.writeUInt16LE(AF_INET, 0);
  addr.writeUInt16BE(port, 2);
  for (const [i, octet] of ipv4.split(".").entries()) addr.writeUInt8(Number(octet), 4 + i);
  try {
    check("setsockopt", c.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, [1], 4));
    check("bind", c.bind(fd, addr, 16));
    check("listen", c.listen(fd, backlog));
  } catch (e) {
    c.close(fd);
    throw e;
  }
  return fd;
}

/** A close-on-exec pipe: [readFd, writeFd]. The buffer is enlarged so a short agent outage never blocks a writer. */
export function pipe(bufferBytes = 1 << 20): [number, number] {
  const fds = [0, 0];
  check("pipe2", c.pipe2(fds, O_CLOEXEC));
  c.fcntl(fds[1], F_SETPIPE_SZ, bufferBytes); // best effort: capped by /proc/sys/fs/pipe-max-size
  return [fds[0], fds[1]];
}

/** A non-blocking, close-on-exec pipe of the default size: [readFd, writeFd]. */
export function nonBlockingPipe(): [number, number] {
  const fds = [0, 0];
  check("pipe2", c.pipe2(fds, O_CLOEXEC | O_NONBLOCK));
  return [fds[0], fds[1]];
}

export function setBlocking(fd: number): void {
  c.fcntl(fd, F_SETFL, c.fcntl(fd, F_GETFL, 0) & ~O_NONBLOCK);
}

/** A close-on-exec duplicate of `fd`. */
export function dupFd(fd: number): number {
  return check("fcntl(F_DUPFD_CLOEXEC)", c.fcntl(fd, F_DUPFD_CLOEXEC, 0));
}

export function setNonBlocking(fd: number): void {
  c.fcntl(fd, F_SETFL, c.fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
}

/** How many bytes a pipe holds before its writer blocks (0 if `fd` is not a pipe). */
export function pipeCapacity(fd: number): number {
  return Math.max(0, c.fcntl(fd, F_GETPIPE_SZ, 0));
}

/** poll(2) on an array of `struct pollfd` in `fds`; -1 on an error (EINTR). */
export function poll(fds: Buffer, count: number, timeoutMs: number): number {
  return c.poll(fds, count, timeoutMs);
}

/**
 * poll(2) on an array of `struct pollfd` in `fds`, run on a libuv pool thread; `done` gets the
 * count of ready fds (-1 on an error such as EINTR) back on the main thread. The kernel writes
 * `revents` into `fds` itself: it must not be touched until `done` runs.
 */
export function pollAsync(fds: Buffer, count: number, timeoutMs: number, done: (ready: number) => void): void {
  c.poll.async(fds, count, timeoutMs, (e: unknown, n: number) => done(e ? -1 : n));
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

const SPLICE_F_NONBLOCK = 2;
const POLLHUP = 0x10;

/**
 * Copies up to `len` bytes from the front of pipe `from` into pipe `to` without taking them out of
 * `from` (tee(2)): a look at what a pipe holds. Like readAvailable: the byte count, 0 when `from` has
 * ended, -1 when it holds nothing right now.
 */
export function teePipe(from: number, to: number, len: number): number {
  const n = Number(c.tee(from, to, len, SPLICE_F_NONBLOCK));
  if (n >= 0) return n;
  const errno = koffi.errno();
  if (errno === EAGAIN || errno === EINTR) return -1;
  throw new NativeError("tee", errno);
}

/** A failed splice(2): `moved` bytes had left the pipe for the file before it failed. */
export class SpliceError extends NativeError {
  constructor(
    errno: number,
    readonly moved: number,
  ) {
    super("splice", errno);
  }
}

/**
 * Moves exactly `len` bytes, which pipe `from` must hold, into file `file` at byte `position`
 * (splice(2)): each byte is either still in the pipe or in the file, at every instant. Throws a
 * SpliceError (ENOSPC…) saying how many had moved.
 */
export function spliceToFile(from: number, file: number, position: number, len: number): void {
  const offset = Buffer.alloc(8);
  let moved = 0;
  while (moved < len) {
    offset.writeBigInt64LE(BigInt(position + moved));
    const n = Number(c.splice(from, null, file, offset, len - moved, SPLICE_F_NONBLOCK));
    if (n > 0) moved += n;
    else if (n === 0) throw new SpliceError(EIO, moved); // the pipe held less than it was said to
    else if (koffi.errno() !== EINTR) throw new SpliceError(koffi.errno(), moved);
  }
}

/** True once every write end of pipe `fd` is closed (its writers are gone): what it holds is all there will be. */
export function pipeHungUp(fd: number): boolean {
  const pfd = Buffer.alloc(8);
  pfd.writeInt32LE(fd, 0);
  pfd.writeInt16LE(POLLIN, 4);
  return c.poll(pfd, 1, 0) > 0 && (pfd.readInt16LE(6) & POLLHUP) !== 0;
}

/** True once pipe `fd` has ended and is empty: every writer gone and nothing left in it to read. */
export function pipeEnded(fd: number): boolean {
  const pfd = Buffer.alloc(8);
  pfd.writeInt32LE(fd, 0);
  pfd.writeInt16LE(POLLIN, 4);
  if (c.poll(pfd, 1, 0) <= 0) return false;
  const revents = pfd.readInt16LE(6);
  return (revents & POLLHUP) !== 0 && (revents & POLLIN) === 0;
}

/** Duplicates fd `targetFd` of process `pid` into this process (Linux >= 5.6, needs ptrace rights). */
export function takeFd(pid: number, targetFd: number): number {
  const pidfd = check("pidfd_open", c.syscall(SYS_PIDFD_OPEN, "int", pid, "uint", 0));
  try {
    return check("pidfd_getfd", c.syscall(SYS_PIDFD_GETFD, "int", pidfd, "int", targetFd, "uint", 0));
  } finally {
    c.close(pidfd);
  }
}

/** A pidfd for `pid` (close-on-exec): it turns readable when the process exits, for any process, not only a child. */
export function pidfdOpen(pid: number): number {
  return check("pidfd_open", c.syscall(SYS_PIDFD_OPEN, "int", pid, "uint", 0));
}

const LOCK_EX = 2;
const LOCK_NB = 4;
const EWOULDBLOCK = 11;

/** An exclusive, non-blocking flock(2) on an open fd: false if another process holds it. Released when the fd closes (or the process dies). */
export function tryLockExclusive(fd: number): boolean {
  if (c.flock(fd, LOCK_EX | LOCK_NB) === 0) return true;
  const errno = koffi.errno();
  if (errno === EWOULDBLOCK) return false;
  throw new NativeError("flock", errno);
}

const PR_SET_CHILD_SUBREAPER = 36;

/** Makes this process the reaper of its orphaned descendants (instead of init), so they stay findable. */
export function becomeSubreaper(): void {
  check("prctl", c.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
}

export function closeFd(fd: number): void {
  c.close(fd);
}
