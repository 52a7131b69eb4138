// What each process of an app is doing right now, for the process manager: busy (holding a
// connection accepted on the app's socket, and which ones) or idle. One read of the host's socket
// tables per look, shared by every slot (the same reading the metrics' busy/idle workers use).
import { fstatSync } from "node:fs";
import { acceptedOn, readSocketTables, socketInodes } from "../metrics/worker-activity";
import type { OsProcess } from "./spawn-process";

export type Activity = { pid: number; busy: boolean; connections: number[] };

export function listenInodeOf(fd: number | null): number | null {
  if (fd === null) return null;
  try {
    return fstatSync(fd).ino;
  } catch {
    return null;
  }
}

/** For each process (its whole tree), the accepted connections it holds on listener `fd`. */
export function readActivity(fd: number | null, procs: OsProcess[]): Map<OsProcess, Activity> {
  const out = new Map<OsProcess, Activity>();
  const inode = listenInodeOf(fd);
  if (inode === null) return out;
  const accepted = acceptedOn(readSocketTables(), inode);
  for (const proc of procs) {
    const connections: number[] = [];
    for (const pid of proc.pids()) for (const s of socketInodes(pid).sockets) if (accepted.has(s)) connections.push(s);
    out.set(proc, { pid: proc.pid, busy: connections.length > 0, connections });
  }
  return out;
}
