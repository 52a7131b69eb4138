// The app's listening socket, owned by the agent: created once, shared by every process as fd 0,
// kept open across restarts, and taken back from a running process after the agent restarts.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, renameSync, unlinkSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import { remoteSocketWarning, type SocketSpec, type SocketStatus } from "../../lib/protocol";
import { closeFd, listenTcp, listenUnix, takeFd } from "../native";
import { lookupGroup, lookupUser } from "./users";

/** `staged`: the hidden path a new generation's socket is bound at until swapIn() moves it into place. */
export type ListenSocket = { fd: number; address: string; staged?: string };

export function socketAddress(spec: SocketSpec): string {
  return spec.path ? `unix:${spec.path}` : `tcp:${spec.tcp}`;
}

/** True if something accepts connections at a Unix socket path (a live server, not a stale file). */
export function answers(socketPath: string, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done(true)); // accepted into the backlog but slow: still alive
    s.on("connect", () => done(true));
    s.on("error", () => done(false));
  });
}

export async function openListenSocket(spec: SocketSpec): Promise<ListenSocket> {
  const address = socketAddress(spec);
  if (spec.tcp) {
    const i = spec.tcp.lastIndexOf(":");
    const host = spec.tcp.slice(0, i).replace(/^localhost$/, "127.0.0.1");
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(host)) throw new Error(`Only IPv4 addresses can be bound by the agent (got ${host}).`);
    const warning = remoteSocketWarning(spec);
    if (warning) console.warn(`[agent] ${warning}`);
    return { fd: listenTcp(host, Number(spec.tcp.slice(i + 1))), address };
  }
  const file = spec.path!;
  await clearStaleSocket(file);
  const fd = listenUnix(file);
  applyOwnership(file, spec);
  return { fd, address };
}

/**
 * Makes way for a new socket at `file`: a socket file nothing answers on (left by a killed app)
 * is removed; a live one or a file that is not a socket is an error, never overwritten.
 */
export async function clearStaleSocket(file: string): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  if (!existsSync(file)) return;
  if (!lstatSync(file).isSocket()) throw new Error(`${file} exists and is not a socket; refusing to replace it.`);
  if (await answers(file)) throw new Error(`Another process already serves ${file}.`);
  unlinkSync(file);
}

/**
 * The socket an app's processes start on: the agent-owned one, opened; null for an app that binds
 * its own, whose file a killed run left is cleared first (it fails with "address in use" on it).
 */
export async function openAppSocket(spec: SocketSpec): Promise<ListenSocket | null> {
  if (spec.bind === "app") {
    if (spec.path) await clearStaleSocket(spec.path);
    return null;
  }
  return openListenSocket(spec);
}

/** Removes the app's socket file if it is one (the app was deleted). */
export function removeSocketFile(spec: SocketSpec): void {
  try {
    if (spec.path && lstatSync(spec.path).isSocket()) unlinkSync(spec.path);
  } catch {
    // already gone
  }
}

/**
 * Where a new generation's socket is bound before it replaces the app's socket: beside it, hidden,
 * named after the generation (so a restarted agent can tell which generation was swapped in).
 * Null if the path would be too long for a Unix socket.
 */
export function stagedPath(file: string, generation: number): string | null {
  const staged = path.join(path.dirname(file), `.${path.basename(file)}.g${generation}`);
  return Buffer.byteLength(staged) <= 107 ? staged : null;
}

/** Parses the generation out of a staged name of `file`, or null. */
export function stagedGeneration(file: string, name: string): number | null {
  const prefix = path.join(path.dirname(file), `.${path.basename(file)}.g`);
  const n = name.startsWith(prefix) ? Number(name.slice(prefix.length)) : Number.NaN;
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** A new listening socket for generation `generation`, bound at its staged path with the spec's owner and mode. */
export function openStagedSocket(spec: SocketSpec, generation: number): ListenSocket {
  const staged = spec.path ? stagedPath(spec.path, generation) : null;
  if (!staged) throw new Error("This socket cannot be staged.");
  if (existsSync(staged)) unlinkSync(staged); // a leftover of an interrupted restart: nothing listens on it
  const fd = listenUnix(staged);
  try {
    applyOwnership(staged, spec);
  } catch (e) {
    closeFd(fd);
    unlinkSync(staged);
    throw e;
  }
  return { fd, address: socketAddress(spec), staged };
}

/**
 * Moves a staged socket onto the app's path in one rename: every connect() from now on reaches the
 * new generation, and the old socket keeps only the connections already queued on it.
 */
export function swapIn(sock: ListenSocket): ListenSocket {
  if (!sock.staged) return sock;
  renameSync(sock.staged, sock.address.slice(5));
  return { fd: sock.fd, address: sock.address };
}

/** Closes a staged socket that was never swapped in, and removes its file. */
export function discardStaged(sock: ListenSocket): void {
  closeFd(sock.fd);
  if (!sock.staged) return;
  try {
    unlinkSync(sock.staged);
  } catch {
    // already gone
  }
}

/** The groups web servers run as, by distribution: Debian/Ubuntu, RHEL/Fedora, Arch, lighttpd's own. */
const WEB_SERVER_GROUPS = ["www-data", "nginx", "apache", "http", "lighttpd"];

/**
 * The group a socket gets when the spec names none: the web server's, so that it can connect to a
 * 0660 socket without anyone setting socket.group (otherwise root:root 0660 and every request is 502).
 */
export function defaultSocketGroup(): string | null {
  return WEB_SERVER_GROUPS.find((g) => lookupGroup(g) !== null) ?? null;
}

/** Gives a socket file the spec's owner, group and mode (the app may have created it with its own). */
export function applyOwnership(file: string, spec: SocketSpec): void {
  const group = spec.group ?? defaultSocketGroup();
  if (process.getuid?.() === 0 && (spec.owner || group)) {
    const uid = spec.owner ? (lookupUser(spec.owner)?.uid ?? -1) : -1;
    const gid = group ? (lookupGroup(group)?.gid ?? -1) : -1;
    chownSync(file, uid, gid);
  }
  chmodSync(file, Number.parseInt(spec.mode, 8));
}

/**
 * For an app-bound socket not waited for (`ready.probe: none`): sets the spec's owner, group and
 * mode once the app creates the file, looking every 50 ms for up to `withinMs` while `alive()`.
 * Resolves to a problem to report (it never appeared, or could not be changed), or null.
 */
export async function applyOwnershipWhenCreated(file: string, spec: SocketSpec, alive: () => boolean, withinMs: number): Promise<string | null> {
  const deadline = Date.now() + withinMs;
  while (!existsSync(file)) {
    if (!alive()) return null; // it exited first: its next start looks again
    if (Date.now() > deadline) return `the app did not create its socket ${file} within ${withinMs} ms, so its owner and mode were not set`;
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    applyOwnership(file, spec);
    return null;
  } catch (e) {
    return `cannot set the socket's owner and mode: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** Takes the listening socket back from a running process that has it as fd 0. */
export function adoptListenSocket(spec: SocketSpec, pid: number): ListenSocket {
  return { fd: takeFd(pid, 0), address: socketAddress(spec) };
}

export function closeListenSocket(sock: ListenSocket, removeFile: boolean): void {
  closeFd(sock.fd);
  if (removeFile && sock.address.startsWith("unix:")) {
    try {
      unlinkSync(sock.address.slice(5));
    } catch {
      // already gone
    }
  }
}

export function describeSocket(spec: SocketSpec, open: boolean): SocketStatus {
  const address = socketAddress(spec);
  if (!spec.path) return { address, state: open ? "listening" : "closed", owner: "", mode: "", detail: remoteSocketWarning(spec) ?? "" };
  try {
    const st = lstatSync(spec.path);
    const owner = `${lookupUser(st.uid)?.name ?? st.uid}:${lookupGroup(st.gid)?.name ?? st.gid}`;
    const mode = `0${(st.mode & 0o777).toString(8)}`;
    return { address, state: open ? "listening" : "waiting", owner, mode, detail: "" };
  } catch {
    return { address, state: open ? "error" : "closed", owner: "", mode: "", detail: open ? "The socket file is missing." : "" };
  }
}
