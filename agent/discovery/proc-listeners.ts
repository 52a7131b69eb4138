// Which processes hold which listening sockets, from /proc: the host's listening Unix sockets
// (/proc/net/unix) and TCP ones (agent/tcp-listeners.ts), matched by inode against every
// process's fd links. Also what a process was started as (cmdline, cwd, user, environment).
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { tcpListeners } from "../tcp-listeners";
import { listenersNamed } from "../supervisor/socket-use";

export type Holder = { pid: number; ppid: number; fd: number; address: string };

/** "0100007F:1F90" (IPv4) or 32 hex digits (IPv6) → "127.0.0.1:8080" / "[::1]:8080"; null for other v6. */
export function tcpAddress(local: string, family: 4 | 6): string | null {
  const [hex, portHex] = local.split(":");
  const port = Number.parseInt(portHex ?? "", 16);
  if (family === 4 && hex?.length === 8) {
    const b = Buffer.from(hex, "hex");
    return `${b[3]}.${b[2]}.${b[1]}.${b[0]}:${port}`;
  }
  if (hex === "00000000000000000000000001000000") return `[::1]:${port}`;
  if (hex === "00000000000000000000000000000000") return `[::]:${port}`;
  if (hex?.startsWith("0000000000000000FFFF0000")) {
    const b = Buffer.from(hex.slice(24), "hex");
    return `${b[3]}.${b[2]}.${b[1]}.${b[0]}:${port}`;
  }
  return null;
}

/** inode → agent address (`unix:/p`, `tcp:H:P`) of every listening socket on the host. */
export function listeningSockets(): Map<number, string> {
  const out = new Map<number, string>();
  for (const [inode, name] of listenersNamed((n) => n.startsWith("/"))) out.set(inode, `unix:${name}`);
  for (const l of tcpListeners()) {
    const a = tcpAddress(l.local, l.family);
    if (a) out.set(l.inode, `tcp:${a}`);
  }
  return out;
}

export function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) || 0;
  } catch {
    return 0;
  }
}

/** Every (process, fd) holding a listening socket, except this agent's own. */
export function listenerHolders(sockets = listeningSockets()): Holder[] {
  const out: Holder[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    let ppid: number | null = null;
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        const address = m ? sockets.get(Number(m[1])) : undefined;
        if (!address) continue;
        ppid ??= parentOf(pid);
        out.push({ pid, ppid, fd: Number(fd), address });
      } catch {
        // closed meanwhile
      }
    }
  }
  return out;
}

export type ProcInfo = { pid: number; argv: string[]; exe: string | null; cwd: string | null; uid: number | null; gid: number | null; env: Record<string, string> };

export function procInfo(pid: number): ProcInfo | null {
  // NUL-separated lists, at most 256 KiB read.
  const list = (file: string) => {
    try {
      return readFileSync(file).subarray(0, 256 * 1024).toString("utf8").split("\u0000").filter(Boolean);
    } catch {
      return [];
    }
  };
  const argv = list(`/proc/${pid}/cmdline`);
  if (!argv.length) return null;
  const link = (p: string) => {
    try {
      return readlinkSync(p);
    } catch {
      return null;
    }
  };
  let uid: number | null = null;
  let gid: number | null = null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN);
    gid = Number(/^Gid:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN);
  } catch {
    return null;
  }
  const env: Record<string, string> = {};
  for (const kv of list(`/proc/${pid}/environ`)) {
    const i = kv.indexOf("=");
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return { pid, argv, exe: link(`/proc/${pid}/exe`), cwd: link(`/proc/${pid}/cwd`), uid: Number.isNaN(uid) ? null : uid, gid: Number.isNaN(gid) ? null : gid, env };
}
