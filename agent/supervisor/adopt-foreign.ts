// Import with adoption: processes started outside Stoker (spawn-fcgi, supervisord, a screen
// session) become an app's processes without a restart. The pids must hold the spec's socket
// (as fd 0 for an agent-owned socket, the spawn-fcgi way; on any fd for one the app binds); the
// agent then takes a duplicate of the listening socket (pidfd_getfd, as after its own restart) and
// moves each process into the app's cgroup, so the next restart is the usual zero-failure one.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { type AppSpec, err, ok, processRange, type Result } from "../../lib/protocol";
import { isoNow, isoTime } from "../../lib/protocol/iso-time";
import { listeningSockets, parentOf } from "../discovery/proc-listeners";
import type { AppCgroup } from "./app-cgroup";
import { socketAddress } from "./app-socket";
import { readProcStat } from "./proc-stats";
import { adoptProcess, type OsProcess } from "./spawn-process";
import type { LogSink } from "../logs/log-sink";

const refuse = (message: string) => err("BAD_REQUEST", message, { fields: [{ path: "adopt.pids", message }] });

/** fd number → socket inode of every socket `pid` holds. */
function socketFds(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.set(Number(fd), Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/**
 * Checks that `pids` can be adopted as the app `spec` describes: alive, not Stoker's already, and
 * holding the listening socket the spec names (fd 0 for socket.bind "agent").
 */
export function checkAdoption(spec: AppSpec, pids: number[], ownPids: Set<number>): Result<void> {
  const address = socketAddress(spec.socket);
  if (new Set(pids).size !== pids.length) return refuse("A pid is named twice.");
  if (spec.fpm) return refuse("A php-fpm app (spec \"fpm\") runs a master of Stoker's own configuration: import it without adopt (it starts new processes), then stop the old php-fpm.");
  if (spec.socket.bind === "app" && pids.length !== 1) return refuse(`An app that binds its own socket runs one process: name exactly one pid (got ${pids.length}).`);
  const max = processRange(spec.processes).max;
  if (spec.socket.bind === "agent" && pids.length > max) return refuse(`${pids.length} pids for at most ${max} process(es): set "processes" to at least ${pids.length}.`);
  const inodes = new Set([...listeningSockets()].filter(([, a]) => a === address).map(([inode]) => inode));
  if (!inodes.size) return refuse(`Nothing listens on ${address}: the spec's socket is not one these processes serve.`);
  let shared: number | null = null;
  for (const pid of pids) {
    if (!readProcStat(pid) || readProcStat(pid)?.state === "Z") return refuse(`No process ${pid} runs on this host.`);
    if (ownPids.has(pid)) return refuse(`Process ${pid} is already one of Stoker's apps.`);
    let fds: Map<number, number>;
    try {
      fds = socketFds(pid);
    } catch {
      return refuse(`Cannot read the open files of process ${pid} (the agent needs root, or the same user).`);
    }
    const held = [...fds].filter(([, inode]) => inodes.has(inode));
    if (!held.length) return refuse(`Process ${pid} does not hold the socket ${address}.`);
    const fd0 = held.find(([fd]) => fd === 0);
    if (spec.socket.bind === "agent" && !fd0) {
      return refuse(`Process ${pid} holds ${address} as fd ${held[0][0]}, not as fd 0: it binds the socket itself; use "socket": {"bind": "app"}.`);
    }
    if (spec.socket.bind === "app" && fd0) {
      // Its replacement would be started without the socket and never bind one.
      return refuse(`Process ${pid} has ${address} as its fd 0 (spawn-fcgi style), it does not bind it itself: use "socket": {"bind": "agent"}.`);
    }
    const inode = (fd0 ?? held[0])[1];
    if (shared !== null && inode !== shared) return refuse(`The processes hold different sockets at ${address}; adopt the ones on the live socket.`);
    shared = inode;
  }
  return ok(undefined);
}

/** Every live descendant of `pid` (a prefork master's workers), from /proc. */
export function descendantsOf(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync("/proc")) {
    const p = Number(e);
    if (Number.isInteger(p)) parent.set(p, parentOf(p));
  }
  const out: number[] = [];
  const walk = (of: number) => {
    for (const [child, pp] of parent) if (pp === of && !out.includes(child)) {
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

/** When a process started, from its start ticks since boot (USER_HZ is 100 on Linux). */
function startedAt(startTicks: number): string {
  try {
    const btime = Number(/^btime (\d+)/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
    if (btime) return isoTime(btime * 1000 + startTicks * 10);
  } catch {
    // no /proc/stat: now will do
  }
  return isoNow();
}

/** Takes each process in: into the app's cgroup, supervised by polling (it is not the agent's child), its output not ours. */
export function adoptForeign(pids: number[], sink: LogSink, cgroup: AppCgroup): OsProcess[] {
  const out: OsProcess[] = [];
  for (const pid of pids) {
    const st = readProcStat(pid);
    if (!st) continue;
    cgroup.takeIn(pid, descendantsOf(pid));
    const proc = adoptProcess(pid, st.startTicks, startedAt(st.startTicks), sink, cgroup, true);
    if (proc) out.push(proc);
  }
  return out;
}
