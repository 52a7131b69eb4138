// Busy or idle, for each process of an app, read from /proc. A worker is busy while it holds a
// connection accepted on the app's listening socket (a request in progress: php-cgi between accept
// and close, an event-loop server such as node with a FastCGI connection open), and idle while it
// holds the listener and no such connection (php-cgi blocked in accept, node waiting in epoll). A
// manager waiting for its children (php-cgi's master with PHP_FCGI_CHILDREN, in wait4) is neither.
// Accepted connections are told apart by the kernel's socket tables: an accepted Unix socket carries
// its listener's bound name (/proc/net/unix), an accepted TCP one its listener's local address.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import os from "node:os";
import { type TcpConnection, tcpEstablished, tcpListeners } from "../tcp-listeners";

const WAIT_SYSCALLS: Record<string, number[]> = { x64: [61, 247], arm64: [260, 95] };
const WAITS = WAIT_SYSCALLS[os.arch()] ?? WAIT_SYSCALLS.x64;
const SO_ACCEPTCON = 0x10000;
const SS_CONNECTED = "03";

export type ProcessActivity = { fds: number; role: "busy" | "idle" | "manager" | "other" };

type UnixIndex = { listeners: Map<number, string>; acceptedByName: Map<string, Set<number>> };
type TcpIndex = { listeners: Map<number, string>; established: TcpConnection[] };

/**
 * One read of the host's socket tables, shared by every app of a sample, each indexed once: a lookup
 * per app is a map read, not a scan of every socket. The TCP tables (tens of thousands of lines on a
 * busy web host) are read only when an app's listener is not a Unix socket.
 */
export class SocketTables {
  private unixIndex: UnixIndex | null = null;
  private tcpIndex: TcpIndex | null = null;

  unix(): UnixIndex {
    if (this.unixIndex) return this.unixIndex;
    const listeners = new Map<number, string>();
    const acceptedByName = new Map<string, Set<number>>();
    let text = "";
    try {
      text = readFileSync("/proc/net/unix", "utf8");
    } catch {
      // no procfs: nothing is known
    }
    // Num RefCount Protocol Flags Type St Inode Path
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 8) continue;
      const name = f.slice(7).join(" ");
      const inode = Number(f[6]);
      if ((Number.parseInt(f[3] as string, 16) & SO_ACCEPTCON) !== 0) listeners.set(inode, name);
      else if (f[5] === SS_CONNECTED) {
        const set = acceptedByName.get(name) ?? new Set<number>();
        set.add(inode);
        acceptedByName.set(name, set);
      }
    }
    this.unixIndex = { listeners, acceptedByName };
    return this.unixIndex;
  }

  tcp(): TcpIndex {
    this.tcpIndex ??= { listeners: new Map(tcpListeners().map((l) => [l.inode, l.local])), established: tcpEstablished() };
    return this.tcpIndex;
  }
}

export function readSocketTables(): SocketTables {
  return new SocketTables();
}

/** Inodes of the connections accepted on the listener `inode` and still open (in any process). */
export function acceptedOn(tables: SocketTables, inode: number | null): Set<number> {
  if (inode === null) return new Set();
  // Unix: an accepted connection carries its listener's bound name.
  const name = tables.unix().listeners.get(inode);
  if (name !== undefined) return tables.unix().acceptedByName.get(name) ?? new Set();
  // TCP: accepted = established on the listener's local address (any address: its port).
  const tcp = tables.tcp();
  const local = tcp.listeners.get(inode);
  const out = new Set<number>();
  if (!local) return out;
  const [addr, port] = local.split(":");
  const anyAddr = /^0+$/.test(addr as string);
  for (const c of tcp.established) {
    const [a, p] = c.local.split(":");
    if (p === port && (anyAddr || a === addr)) out.add(c.inode);
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
