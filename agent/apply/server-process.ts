// The running web server as a process: is it running (its pid file names a live pid), which pids
// are it (the master and its children), and who holds a listening TCP port (via /proc), so an
// apply can tell "our server answered" from "another program on that port answered".
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";
import type { WebServer } from "../../lib/protocol";
import { tcpListeners } from "../tcp-listeners";

/** Binaries each server runs as, for when no pid file is known (Debian: apache2, elsewhere httpd). */
const BINARIES: Record<WebServer, string[]> = { nginx: ["nginx"], lighttpd: ["lighttpd"], apache: ["apache2", "httpd"] };

/** The pid in a pid file, or null when the file is missing or holds no number. */
export function readPidFile(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** ppid and state from /proc/PID/stat; the name in parentheses may hold spaces, so split after it. */
function stat(pid: number): { ppid: number; state: string } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0] ?? "", ppid: Number(rest[1]) };
  } catch {
    return null;
  }
}

/** A live process (a zombie is dead: it only waits for its parent to reap it). */
export function isAlive(pid: number): boolean {
  const s = stat(pid);
  return s !== null && s.state !== "Z" && s.state !== "X";
}

/** The server's master pid from its pid file, if that process is alive. */
export function runningPid(pidFile: string | undefined): number | null {
  if (!pidFile) return null;
  const pid = readPidFile(pidFile);
  return pid !== null && isAlive(pid) ? pid : null;
}

function allPids(): number[] {
  try {
    return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return [];
  }
}

/** `root` and every descendant (nginx and Apache serve from children the master forked). */
export function processTree(root: number): Set<number> {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const s = stat(pid);
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }
  const tree = new Set<number>([root]);
  const queue = [root];
  while (queue.length) {
    for (const child of children.get(queue.pop() ?? 0) ?? []) {
      if (!tree.has(child)) {
        tree.add(child);
        queue.push(child);
      }
    }
  }
  return tree;
}

function exeName(pid: number): string {
  try {
    return path.basename(readlinkSync(`/proc/${pid}/exe`)).replace(/ \(deleted\)$/, "");
  } catch {
    return "";
  }
}

/** "127.0.0.1" → the hex /proc/net/tcp writes (little-endian on every Linux this runs on). */
function hexIpv4(ip: string): string {
  return ip
    .split(".")
    .map((o) => Number(o).toString(16).padStart(2, "0").toUpperCase())
    .reverse()
    .join("");
}

/** Inodes of sockets LISTENing on ip:port (or on the wildcard address, which also takes ip). */
function listeningInodes(ip: string, port: number): Set<string> {
  const inodes = new Set<string>();
  const portHex = port.toString(16).toUpperCase().padStart(4, "0");
  const wanted4 = new Set([`${hexIpv4(ip)}:${portHex}`, `00000000:${portHex}`]);
  const wanted6 = new Set([`00000000000000000000000000000000:${portHex}`, `0000000000000000FFFF0000${hexIpv4(ip)}:${portHex}`]);
  for (const l of tcpListeners()) if ((l.family === 4 ? wanted4 : wanted6).has(l.local)) inodes.add(String(l.inode));
  inodes.delete("0");
  return inodes;
}

export type Listener = { pid: number; exe: string };

/** Processes that hold a socket listening on ip:port; null when /proc cannot tell (not Linux). */
export function listenersOf(ip: string, port: number): Listener[] | null {
  try {
    readFileSync("/proc/net/tcp", "utf8");
  } catch {
    return null;
  }
  const inodes = listeningInodes(ip, port);
  if (inodes.size === 0) return [];
  const owners: Listener[] = [];
  for (const pid of allPids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link = "";
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1] ?? "")) {
        owners.push({ pid, exe: exeName(pid) });
        break;
      }
    }
  }
  return owners;
}

export type ListenerVerdict = { ours: true } | { ours: false; detail: string } | { ours: null };

/**
 * Is the web server the program listening on ip:port? With a master pid, only its process tree
 * counts; without one, any process running the server's binary. `ours: null`: /proc cannot say.
 */
export function serverListens(server: WebServer, masterPid: number | null, ip: string, port: number): ListenerVerdict {
  const owners = listenersOf(ip, port);
  if (owners === null) return { ours: null };
  if (owners.length === 0) return { ours: false, detail: `nothing listens on ${ip}:${port}` };
  const tree = masterPid === null ? null : processTree(masterPid);
  const ours = owners.some((o) => (tree ? tree.has(o.pid) : BINARIES[server].includes(o.exe)));
  if (ours) return { ours: true };
  const names = [...new Set(owners.map((o) => `${o.exe || "?"} (pid ${o.pid})`))].slice(0, 3).join(", ");
  return { ours: false, detail: `${ip}:${port} is held by another program: ${names}` };
}
