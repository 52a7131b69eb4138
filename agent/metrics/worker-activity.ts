// Busy or idle, for each process of an app, read from /proc. A worker is busy while it holds a
// connection accepted on the app's listening socket (a request in progress: php-cgi between accept
// and close, an event-loop server such as node with a FastCGI connection open), and idle while it
// holds the listener and no such connection (php-cgi blocked in accept, node waiting in epoll). A
// manager waiting for its children (php-cgi's master with PHP_FCGI_CHILDREN, in wait4) is neither.
// Accepted connections are told apart by the kernel's socket tables: an accepted Unix socket carries
// its listener's bound name (/proc/net/unix), an accepted TCP one its listener's local address.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import os from "node:os";

const WAIT_SYSCALLS: Record<string, number[]> = { x64: [61, 247], arm64: [260, 95] };
const WAITS = WAIT_SYSCALLS[os.arch()] ?? WAIT_SYSCALLS.x64;
const SO_ACCEPTCON = 0x10000;
const SS_CONNECTED = "03";
const TCP_ESTABLISHED = "01";
const TCP_LISTEN = "0A";

export type ProcessActivity = { fds: number; role: "busy" | "idle" | "manager" | "other" };

/** One read of the host's socket tables, shared by every app of a sample. */
export type SocketTables = { unix: string[][]; tcp: string[][] };

function rows(file: string): string[][] {
  try {
    return readFileSync(file, "utf8").split("\n").slice(1).map((l) => l.trim().split(/\s+/)).filter((f) => f.length >= 8);
  } catch {
    return [];
  }
}

export function readSocketTables(): SocketTables {
  return { unix: rows("/proc/net/unix"), tcp: [...rows("/proc/net/tcp"), ...rows("/proc/net/tcp6")] };
}

/** Inodes of the connections accepted on the listener `inode` and still open (in any process). */
export function acceptedOn(tables: SocketTables, inode: number | null): Set<number> {
  const out = new Set<number>();
  if (inode === null) return out;
  // Unix: Num RefCount Protocol Flags Type St Inode Path
  const listener = tables.unix.find((f) => Number(f[6]) === inode && (Number.parseInt(f[3], 16) & SO_ACCEPTCON) !== 0);
  if (listener && listener.length > 7) {
    const name = listener.slice(7).join(" ");
    for (const f of tables.unix) {
      if (f[5] === SS_CONNECTED && (Number.parseInt(f[3], 16) & SO_ACCEPTCON) === 0 && f.slice(7).join(" ") === name) out.add(Number(f[6]));
    }
    return out;
  }
  // TCP: sl local rem st ... inode (field 9); accepted = established on the listener's local address.
  const tcp = tables.tcp.find((f) => Number(f[9]) === inode && f[3] === TCP_LISTEN);
  if (!tcp) return out;
  const [addr, port] = tcp[1].split(":");
  const anyAddr = /^0+$/.test(addr);
  for (const f of tables.tcp) {
    if (f[3] !== TCP_ESTABLISHED) continue;
    const [a, p] = f[1].split(":");
    if (p === port && (anyAddr || a === addr)) out.add(Number(f[9]));
  }
  return out;
}

/** The socket inodes a process holds, and how many fds it has open. */
export function socketInodes(pid: number): { fds: number; sockets: Set<number> } {
  const sockets = new Set<number>();
  let fds = 0;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      fds++;
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) sockets.add(Number(m[1]));
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // gone, or not ours to read
  }
  return { fds, sockets };
}

function inWait(pid: number): boolean {
  try {
    // "61 0xffffffff …": blocked in syscall 61 (wait4); "running" or "-1 …" when not in one.
    return WAITS.includes(Number(readFileSync(`/proc/${pid}/syscall`, "utf8").split(" ")[0]));
  } catch {
    // No ptrace rights on it: the kernel's wait channel says the same.
    try {
      return readFileSync(`/proc/${pid}/wchan`, "utf8").trim() === "do_wait";
    } catch {
      return false;
    }
  }
}

/** What process `pid` is doing for the listener `inode`, given the connections accepted on it. */
export function processActivity(pid: number, inode: number | null, accepted: Set<number>): ProcessActivity {
  const { fds, sockets } = socketInodes(pid);
  for (const s of sockets) if (accepted.has(s)) return { fds, role: "busy" };
  if (inode === null || !sockets.has(inode)) return { fds, role: "other" };
  return { fds, role: inWait(pid) ? "manager" : "idle" };
}
