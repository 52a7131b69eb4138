// Apps that ignore the inherited fd 0 and bind their own socket or port: found in /proc (listening
// sockets a process holds other than fd 0) and in the command or source (flup bindAddress, -b);
// and an app-bound TCP port, which the agent cannot keep open across the app's exits.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import type { AppSpec, DoctorFinding } from "../../../lib/protocol";

const SO_ACCEPTCON = 0x10000;

function socketInodes(pid: number): Map<number, number> {
  const byInode = new Map<number, number>(); // inode -> fd
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return byInode;
  }
  for (const fd of fds) {
    try {
      const m = readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/);
      if (m && !byInode.has(Number(m[1]))) byInode.set(Number(m[1]), Number(fd));
    } catch {
      // closed meanwhile
    }
  }
  return byInode;
}

/** The pid and all its descendants (workers forked by uWSGI, php-cgi, a shell wrapper). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

function readTable(file: string): string[][] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .slice(1)
      .filter(Boolean)
      .map((l) => l.trim().split(/\s+/));
  } catch {
    return [];
  }
}

function hexAddr(hex: string): string {
  const [ip, port] = hex.split(":");
  const p = Number.parseInt(port, 16);
  if (ip.length === 8) {
    const bytes = ip.match(/../g)!.map((b) => Number.parseInt(b, 16)).reverse();
    return `${bytes.join(".")}:${p}`;
  }
  return `[${ip === "00000000000000000000000000000000" ? "::" : "ipv6"}]:${p}`;
}

/** Listening sockets held by `pid` apart from the one on fd 0 (which the agent passed in). */
export function foreignListeners(pid: number): string[] {
  const inodes = socketInodes(pid);
  let fd0Inode = -1;
  for (const [inode, fd] of inodes) if (fd === 0) fd0Inode = inode;
  const out: string[] = [];
  for (const row of readTable(`/proc/${pid}/net/unix`)) {
    // Num RefCount Protocol Flags Type St Inode [Path]
    const inode = Number(row[6]);
    if (inode === fd0Inode || !inodes.has(inode)) continue;
    if ((Number.parseInt(row[3], 16) & SO_ACCEPTCON) !== 0) out.push(`unix:${row[7] ?? "(abstract)"} (fd ${inodes.get(inode)})`);
  }
  for (const table of ["tcp", "tcp6"]) {
    for (const row of readTable(`/proc/${pid}/net/${table}`)) {
      // sl local_address rem_address st ... inode is column 9; st 0A is LISTEN
      const inode = Number(row[9]);
      if (row[3] === "0A" && inode !== fd0Inode && inodes.has(inode)) out.push(`tcp ${hexAddr(row[1])} (fd ${inodes.get(inode)})`);
    }
  }
  return out;
}

export function checkListeners(spec: AppSpec, pids: number[]): DoctorFinding[] {
  if (spec.socket.bind !== "agent") return [];
  const seen = new Map<string, number>();
  for (const root of pids) for (const pid of processTree(root)) for (const l of foreignListeners(pid)) if (!seen.has(l)) seen.set(l, pid);
  if (!seen.size) return [];
  return [
    {
      code: "app-binds-elsewhere",
      severity: "error",
      title: "The app listens on its own socket instead of fd 0",
      detail: `Besides the socket the agent passed as fd 0, the app listens on: ${[...seen].map(([l, pid]) => `${l} in pid ${pid}`).join("; ")}. Requests the web server sends to ${spec.socket.path ?? spec.socket.tcp} are never accepted.`,
      fix: "Let the app accept on fd 0: with flup call WSGIServer(app).run() without bindAddress; with uWSGI use --fastcgi-socket fd://0; with php-cgi drop -b. Or set socket.bind to \"app\" if it must bind itself.",
    },
  ];
}

/** Signs in the command or the script's source that the app binds by itself. */
export function checkBindHints(spec: AppSpec, args: string[], source: string | null): DoctorFinding[] {
  if (spec.socket.bind !== "agent") return [];
  const hints: string[] = [];
  for (const [i, a] of args.entries()) {
    if (a === "-b" || a === "--bind") hints.push(`${a} ${args[i + 1] ?? ""}`.trim());
    const m = a.match(/^--(?:fastcgi-socket|socket|http-socket|uwsgi-socket|http)(?:=(.*))?$/);
    const value = m ? (m[1] ?? args[i + 1] ?? "") : null;
    if (value !== null && value !== "fd://0") hints.push(`${a}${m?.[1] === undefined ? ` ${value}` : ""}`);
  }
  // Code only: a comment that mentions bindAddress (the flup-like fixture's header does) binds nothing.
  const code = source?.replace(/(^|\s)#.*$/gm, "$1");
  const bind = code?.match(/bindAddress\s*=\s*[^,)\n]+/);
  if (bind) hints.push(`${bind[0]} in the script`);
  if (!hints.length) return [];
  return [
    {
      code: "app-binds-elsewhere",
      severity: "error",
      title: "The app is told to bind its own socket",
      detail: `The agent passes the listening socket as fd 0 (socket.bind is "agent"), but the app binds elsewhere: ${hints.join("; ")}.`,
      fix: "Remove the bind option (flup: WSGIServer(app).run() with no bindAddress; uWSGI: --fastcgi-socket fd://0), or set socket.bind to \"app\".",
    },
  ];
}

/**
 * An app that binds its own TCP port: the agent cannot keep that port open across the app's exit
 * (it holds a copy of an app-bound Unix socket instead, app-bound-listener.ts: the replacement
 * could not bind a port the agent holds), so every exit, a recycle such as php-cgi's after 500
 * requests included, refuses connections until the next process listens.
 */
export function checkAppBoundTcp(spec: AppSpec): DoctorFinding[] {
  if (spec.socket.bind !== "app" || !spec.socket.tcp) return [];
  return [
    {
      code: "app-bound-tcp",
      severity: "warning",
      title: "Each exit of the app refuses requests on its own TCP port",
      detail: `The app binds ${spec.socket.tcp} itself (socket.bind "app"). When its process exits (php-cgi does after PHP_FCGI_MAX_REQUESTS, 500 by default) what is queued on the port is reset and new connections are refused until the next process listens: the web server answers 502 meanwhile. For an app-bound Unix socket the agent keeps the socket open and hands what queued to the next process; for a TCP port it cannot.`,
      fix: "Give the app a Unix socket (socket.path, and e.g. php-cgi -b /run/app.sock), or let the agent own the socket (socket.bind \"agent\": php-cgi without -b, flup without bindAddress, uWSGI --fastcgi-socket fd://0).",
    },
  ];
}
