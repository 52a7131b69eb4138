// The current accept-queue depth of every listening Unix socket, by inode, from the kernel's
// sock_diag netlink interface (UNIX_DIAG_RQLEN: for a listener, the connections waiting to be
// accepted), the way `ss -xl` reads its Recv-Q. One dump per call covers every socket of the host.
import koffi from "koffi";

const libc = koffi.load("libc.so.6");
const c = {
  socket: libc.func("int socket(int domain, int type, int protocol)"),
  sendto: libc.func("long sendto(int fd, void *buf, unsigned long len, int flags, void *addr, uint32_t alen)"),
  recv: libc.func("long recv(int fd, _Out_ void *buf, unsigned long len, int flags)"),
  close: libc.func("int close(int fd)"),
};

const AF_NETLINK = 16;
const AF_UNIX = 1;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_SOCK_DIAG = 4;
const SOCK_DIAG_BY_FAMILY = 20;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const TCP_LISTEN = 10;
const UDIAG_SHOW_RQLEN = 0x10;
const UNIX_DIAG_RQLEN = 4;
const MSG_DONTWAIT = 0x40;

let seq = 0;

/** inode → connections waiting in that listener's accept queue; null if the kernel would not say. */
export function unixListenQueues(): Map<number, number> | null {
  const fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return null;
  try {
    const req = Buffer.alloc(16 + 24);
    req.writeUInt32LE(req.length, 0);
    req.writeUInt16LE(SOCK_DIAG_BY_FAMILY, 4);
    req.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
    req.writeUInt32LE(++seq, 8);
    req.writeUInt8(AF_UNIX, 16); // sdiag_family; protocol, pad: 0
    req.writeUInt32LE(1 << TCP_LISTEN, 20); // udiag_states: listeners only
    req.writeUInt32LE(UDIAG_SHOW_RQLEN, 28); // udiag_show
    req.writeUInt32LE(0xffffffff, 32); // cookie: none
    req.writeUInt32LE(0xffffffff, 36);
    const kernel = Buffer.alloc(12);
    kernel.writeUInt16LE(AF_NETLINK, 0);
    if (Number(c.sendto(fd, req, req.length, 0, kernel, kernel.length)) < 0) return null;
    const out = new Map<number, number>();
    const buf = Buffer.alloc(64 * 1024);
    // The dump arrives in several datagrams; a blocking recv is bounded by the kernel's answer, but
    // a deadline guards against a kernel that never ends it.
    const deadline = Date.now() + 1000;
    for (;;) {
      const n = Number(c.recv(fd, buf, buf.length, Date.now() > deadline ? MSG_DONTWAIT : 0));
      if (n <= 0) return n === 0 ? out : null;
      for (let off = 0; off + 16 <= n; ) {
        const len = buf.readUInt32LE(off);
        const type = buf.readUInt16LE(off + 4);
        if (len < 16) return out;
        if (type === NLMSG_DONE) return out;
        if (type === NLMSG_ERROR) return null;
        const inode = buf.readUInt32LE(off + 16 + 4); // unix_diag_msg: family, type, state, pad, ino
        for (let a = off + 16 + 16; a + 4 <= off + len; ) {
          const alen = buf.readUInt16LE(a);
          const atype = buf.readUInt16LE(a + 2);
          if (alen < 4) break;
          if (atype === UNIX_DIAG_RQLEN && alen >= 12) out.set(inode, buf.readUInt32LE(a + 4));
          a += (alen + 3) & ~3;
        }
        off += (len + 3) & ~3;
      }
    }
  } finally {
    c.close(fd);
  }
}
