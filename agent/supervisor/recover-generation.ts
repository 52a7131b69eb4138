// After an agent restart: which generation of an app is the live one, and how the others (left by
// an agent killed in the middle of a restart) are retired without dropping a connection.
import { existsSync, fstatSync, lstatSync, readdirSync, unlinkSync } from "node:fs";
import path from "node:path";
import type { SocketSpec } from "../../lib/protocol";
import { closeFd, takeFd } from "../native";
import { stageDirOf } from "./app-bound-stage";
import { stagedGeneration, stagedPath } from "./app-socket";
import { relayBacklog } from "./backlog-relay";
import { drainRetired } from "./drain";
import { isAlive } from "./proc-stats";
import { holdersOf, listenerHeldBy, listenersNamed } from "./socket-use";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The generation whose socket is on the app's path. A newer generation than the saved one was
 * swapped in exactly when its staged file is gone (a failed restart stops its processes before it
 * removes the file, so a live newer generation with no staged file was renamed into place). An app
 * that binds its own socket is staged in a directory (app-bound-stage.ts): swapped in once that
 * directory and its staged file are both gone; unstaged, a newer process replaces the file itself.
 */
export function liveGeneration(spec: SocketSpec, saved: number, alive: number[]): number {
  if (!spec.path) return saved;
  const newer = [...new Set(alive.filter((g) => g > saved))].sort((a, b) => b - a);
  for (const g of newer) {
    const staged = stagedPath(spec.path, g);
    if (!staged || existsSync(staged)) continue;
    if (spec.bind === "app" && existsSync(stageDirOf(spec.path, g))) continue;
    return g;
  }
  return saved;
}

function inodeOf(fd: number): number {
  try {
    return fstatSync(fd).ino;
  } catch {
    return -1;
  }
}

/**
 * Processes that hold one of the app's sockets other than the live one (`liveFd`): an interrupted
 * restart's other generation, including one whose pids never reached the state file.
 */
export function strayHolders(spec: SocketSpec, liveFd: number | null): number[] {
  const file = spec.path;
  if (spec.bind !== "agent" || !file) return [];
  const live = liveFd === null ? -1 : inodeOf(liveFd);
  const listeners = listenersNamed((name) => name === file || stagedGeneration(file, name) !== null);
  listeners.delete(live);
  return holdersOf(new Set(listeners.keys())).map((h) => h.pid);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, sig);
      return;
    } catch {
      // not a group leader, or gone
    }
  }
}

/** A copy of the listener `pid` serves: its fd 0, or for an app that binds `appBound` itself, the socket it bound there. */
function listenerOf(pid: number, appBound: string | null): number {
  try {
    if (!appBound) return takeFd(pid, 0);
    const held = listenerHeldBy([pid], appBound);
    return held ? takeFd(pid, held.fd) : -1;
  } catch {
    return -1;
  }
}

/**
 * Retires processes of a generation that is not live: waits until what was queued on their socket
 * (their fd 0, or the socket an app bound itself) is served, then stops them (the spec's signal,
 * SIGKILL after the timeout). What they leave queued (they exited first, php-cgi at its request
 * quota, or stopped accepting) is relayed to the live socket on the path, never reset.
 */
export async function retire(pids: number[], liveFd: number | null, stop: { signal: string; timeoutMs: number }, socket: SocketSpec): Promise<void> {
  const appBound = socket.bind === "app" ? (socket.path ?? null) : null;
  const live = liveFd === null ? -1 : inodeOf(liveFd);
  const byListener = new Map<number, { fd: number; pids: number[] }>();
  for (const pid of pids) {
    const fd = listenerOf(pid, appBound);
    const inode = fd >= 0 ? inodeOf(fd) : -pid;
    const entry = byListener.get(inode);
    if (entry) {
      entry.pids.push(pid);
      if (fd >= 0) closeFd(fd);
    } else byListener.set(inode, { fd, pids: [pid] });
  }
  await Promise.all(
    [...byListener.values()].map(async ({ fd, pids: group }) => {
      // A process on the live socket (more processes than the spec wants) has nothing to hand over.
      const retired = fd >= 0 && inodeOf(fd) !== live;
      const gone = () => group.every((pid) => !isAlive(pid));
      // Every generation of an app-bound socket bound the same name: count only what these hold.
      if (retired) await drainRetired(fd, stop.timeoutMs, appBound ? group : undefined, gone);
      for (const pid of group) signal(pid, `SIG${stop.signal}` as NodeJS.Signals);
      const deadline = Date.now() + stop.timeoutMs;
      while (!gone() && Date.now() < deadline) await sleep(20);
      for (const pid of group) if (isAlive(pid)) signal(pid, "SIGKILL");
      if (retired && socket.path) void relayBacklog(fd, socket.path);
      else if (fd >= 0) closeFd(fd);
    }),
  );
}

/**
 * Removes every staged socket file of `file`. After adoption none is ever used again: the live
 * socket is on the path itself, and a process still listening on a staged one is being retired.
 */
export function removeStagedFiles(file: string): void {
  const dir = path.dirname(file);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (stagedGeneration(file, path.join(dir, name)) === null) continue;
    try {
      if (lstatSync(path.join(dir, name)).isSocket()) unlinkSync(path.join(dir, name));
    } catch {
      // gone meanwhile
    }
  }
}
