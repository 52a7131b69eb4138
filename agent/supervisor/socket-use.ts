// Who is using an app's Unix listening sockets: which connections wait in a listener's backlog,
// which accepted connections are still open, and which processes hold a listener. Read from
// /proc/net/unix (an accepted socket carries its listener's bound name) and /proc/PID/fd.
import { fstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { poll } from "../native";

const POLLIN = 1;
const SO_ACCEPTCON = 0x10000;
const SS_CONNECTED = "03";

type UnixEntry = { inode: number; listening: boolean; connected: boolean; path: string };

function unixTable(): UnixEntry[] {
  let text: string;
  try {
    text = readFileSync("/proc/net/unix", "utf8");
  } catch {
    return [];
  }
  const out: UnixEntry[] = [];
  for (const line of text.split("\n").slice(1)) {
    // Num RefCount Protocol Flags Type St Inode Path
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    out.push({ inode: Number(f[6]), listening: (Number.parseInt(f[3], 16) & SO_ACCEPTCON) !== 0, connected: f[5] === SS_CONNECTED, path: f.slice(7).join(" ") });
  }
  return out;
}

/** The name a Unix listening socket was bound at (it keeps that name after a rename), or null. */
export function boundName(fd: number): string | null {
  try {
    const inode = fstatSync(fd).ino;
    return unixTable().find((e) => e.inode === inode)?.path ?? null;
  } catch {
    return null;
  }
}

/** True if connections wait in the backlog of listening socket `fd` (it polls readable). */
export function hasQueued(fd: number): boolean {
  const pfd = Buffer.alloc(8);
  pfd.writeInt32LE(fd, 0);
  pfd.writeInt16LE(POLLIN, 4);
  return poll(pfd, 1, 0) > 0 && (pfd.readInt16LE(6) & POLLIN) !== 0;
}

/** How many connections accepted on the listener bound at `name` are still open (in any process). */
export function openAccepted(name: string): number {
  return unixTable().filter((e) => e.path === name && e.connected && !e.listening).length;
}

/** Listening sockets bound at any of `names`: inode → bound name. */
export function listenersNamed(match: (name: string) => boolean): Map<number, string> {
  return new Map(unixTable().filter((e) => e.listening && match(e.path)).map((e) => [e.inode, e.path]));
}

/** The pids holding any of the socket inodes, with the fd number of the first one each holds. */
export function holdersOf(inodes: Set<number>): { pid: number; fd: number; inode: number }[] {
  const out: { pid: number; fd: number; inode: number }[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(Number(m[1]))) {
          out.push({ pid, fd: Number(fd), inode: Number(m[1]) });
          break;
        }
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** The inodes of the sockets process `pid` holds (empty if it is gone or not ours to read). */
export function socketInodes(pid: number): Set<number> {
  const out = new Set<number>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) out.add(Number(m[1]));
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // gone
  }
  return out;
}

/**
 * How many connections accepted on a listener bound at `name` the given processes hold. For an app
 * that binds its own path, the old and new listeners share the name: who holds a connection says whose it is.
 */
export function acceptedHeldBy(pids: number[], name: string): number {
  const accepted = new Set(unixTable().filter((e) => e.path === name && e.connected && !e.listening).map((e) => e.inode));
  let n = 0;
  for (const pid of pids) for (const inode of socketInodes(pid)) if (accepted.has(inode)) n++;
  return n;
}

/** The listening socket bound at `name` that one of `pids` holds: its holder, fd number and inode. */
export function listenerHeldBy(pids: number[], name: string): { pid: number; fd: number; inode: number } | null {
  const listeners = listenersNamed((n) => n === name);
  for (const pid of pids) {
    const fds = (() => {
      try {
        return readdirSync(`/proc/${pid}/fd`);
      } catch {
        return [];
      }
    })();
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && listeners.has(Number(m[1]))) return { pid, fd: Number(fd), inode: Number(m[1]) };
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}
