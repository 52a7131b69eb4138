// Process tracking by the kernel's own grouping: a cgroup per app, and inside it one per started
// process (its "tree": the process and everything it forks, orphans included), so every descendant
// is seen, counted and stopped, whatever it does with its parent, process group or session.
// - cgroup v2 (/sys/fs/cgroup with cgroup.controllers), or the cgroup2 mount of a hybrid host
//   (/sys/fs/cgroup/unified) for grouping, CPU time (cpu.stat) and cgroup.kill;
// - on hybrid hosts also the v1 controllers (memory, pids, cpuacct, freezer), joined so resource
//   limits can be set on the same groups later (cpu only with a limit: see V1_CONTROLLERS);
// - without writable cgroups (an agent that is not root): the process's session (the agent starts
//   each process with setsid), found by scanning /proc.
// Groups are nested under the agent's own cgroup in each hierarchy (so a service manager's
// accounting still covers the apps) and named by the state dir, so two agents never share one.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const ROOT = "/sys/fs/cgroup";
// Not "cpu": a v1 cpu group weighs as much as one task of its parent (cpu.shares 1024), so every
// app of the agent together would get the CPU of a single process on a busy host. Join it only
// with a limit to apply (later: resource limits).
const V1_CONTROLLERS = ["memory", "pids", "cpuacct", "freezer"] as const;
const CLK_TCK = 100;
const PAGE = 4096;

export type TrackingKind = "cgroup2" | "hybrid" | "session";
export type TreeUsage = { cpuNs: number; rssBytes: number; pids: number };

type Hierarchy = { name: string; mount: string; base: string; v2: boolean };

function readText(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/** A process's path in each hierarchy, from /proc/PID/cgroup ("4:memory:/a/b", "0::/x"). */
function ownPaths(pid: number | "self" = "self"): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of (readText(`/proc/${pid}/cgroup`) ?? "").split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === "") paths.set("", m[2]);
    for (const c of m[1].split(",")) if (c) paths.set(c, m[2]);
  }
  return paths;
}

function writable(dir: string): boolean {
  try {
    const probe = path.join(dir, `stoker-probe-${process.pid}`);
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

let detected: Hierarchy[] | null = null;

/** The hierarchies this agent can group processes in; empty means "session" tracking. Probed once. */
export function hierarchies(): Hierarchy[] {
  if (detected) return detected;
  const own = ownPaths();
  const found: Hierarchy[] = [];
  const v2Mount = existsSync(path.join(ROOT, "cgroup.controllers")) ? ROOT : existsSync(path.join(ROOT, "unified/cgroup.procs")) ? path.join(ROOT, "unified") : null;
  if (v2Mount) {
    const base = path.join(v2Mount, own.get("") ?? "/");
    if (writable(base)) found.push({ name: "cgroup2", mount: v2Mount, base, v2: true });
  }
  if (found.length && v2Mount !== ROOT) {
    for (const c of V1_CONTROLLERS) {
      const mount = path.join(ROOT, c);
      if (!existsSync(path.join(mount, "cgroup.procs"))) continue;
      const base = path.join(mount, own.get(c) ?? "/");
      if (writable(base)) found.push({ name: c, mount, base, v2: false });
    }
  }
  detected = found;
  return found;
}

export function trackingKind(): TrackingKind {
  const h = hierarchies();
  if (!h.length) return "session";
  return h.length > 1 ? "hybrid" : "cgroup2";
}

/** The fields of /proc/PID/stat after the command name (state first), or null if it is gone. */
function procStat(pid: number): string[] | null {
  const text = readText(`/proc/${pid}/stat`);
  if (!text) return null;
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}

function readPids(file: string): number[] {
  return (readText(file) ?? "").split("\n").filter(Boolean).map(Number);
}

function signalPid(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** The group name for an app of the agent whose state lives in `stateDir`. */
export function groupName(stateDir: string, appId: string): string {
  return `${agentGroup(stateDir)}/${appId.replace(/[^A-Za-z0-9_.-]/g, "_")}`;
}

/** The group holding every app of the agent whose state lives in `stateDir` ("stoker-<hash>"). */
export function agentGroup(stateDir: string): string {
  return `stoker-${createHash("sha256").update(path.resolve(stateDir)).digest("hex").slice(0, 10)}`;
}

/** One started process and all its descendants. */
export class ProcessTree {
  constructor(
    readonly leader: number,
    private readonly dirs: Hierarchy[], // with `base` already pointing at this tree's group
  ) {}

  get kind(): TrackingKind {
    return this.dirs.length ? (this.dirs.length > 1 ? "hybrid" : "cgroup2") : "session";
  }

  /** Every live process of the tree, the leader included while it lives. */
  pids(): number[] {
    const g = this.dirs[0];
    if (g) return readPids(path.join(g.base, "cgroup.procs"));
    // Session fallback: the leader started its own session; workers stay in it unless they setsid.
    const out: number[] = [];
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      const st = procStat(Number(name));
      if (st && Number(st[3]) === this.leader && st[0] !== "Z") out.push(Number(name));
    }
    return out;
  }

  /** Sends `sig` to every process of the tree; returns how many got it. */
  signal(sig: NodeJS.Signals): number {
    const g = this.dirs[0];
    if (sig === "SIGKILL" && g?.v2 && existsSync(path.join(g.base, "cgroup.kill"))) {
      const count = this.pids().length;
      try {
        writeFileSync(path.join(g.base, "cgroup.kill"), "1");
        return count;
      } catch {
        // fall through to one by one
      }
    }
    let sent = 0;
    for (const pid of this.pids()) if (signalPid(pid, sig)) sent++;
    return sent;
  }

  /** CPU time used by the whole tree so far (exited members included, in cgroup modes) and its resident memory now. */
  usage(): TreeUsage {
    const pids = this.pids();
    let rssBytes = 0;
    let ticks = 0;
    for (const pid of pids) {
      const st = procStat(pid);
      if (!st) continue;
      rssBytes += Number(st[21]) * PAGE;
      ticks += Number(st[11]) + Number(st[12]) + (this.dirs.length ? 0 : Number(st[13]) + Number(st[14]));
    }
    let cpuNs = (ticks / CLK_TCK) * 1e9;
    const v2 = this.dirs.find((d) => d.v2);
    const usec = v2 && /^usage_usec (\d+)/m.exec(readText(path.join(v2.base, "cpu.stat")) ?? "");
    if (usec) cpuNs = Number(usec[1]) * 1000;
    return { cpuNs, rssBytes, pids: pids.length };
  }

  /** Removes the tree's groups once it is empty; false while processes remain. */
  remove(): boolean {
    if (this.pids().length) return false;
    for (const d of this.dirs) {
      try {
        rmdirSync(d.base);
      } catch {
        // already gone, or a member appeared: left for the app's removal
      }
    }
    return true;
  }
}

let treeSeq = 0;

/** One app's group: the trees of its processes, current and left over. */
export class AppCgroup {
  private dirs: Hierarchy[];
  private own: Hierarchy[];
  private batching = false;
  /** The agent is in a tree's group (or may be, after a failed move), not its own. */
  private away = false;

  constructor(
    stateDir: string,
    appId: string,
    private readonly name = groupName(stateDir, appId),
  ) {
    this.own = hierarchies();
    this.dirs = this.own.map((h) => ({ ...h, base: path.join(h.base, name) }));
  }

  /** The app's own group in each hierarchy it uses (where limits.ts writes its limits). */
  groups(): { name: string; dir: string; v2: boolean }[] {
    return this.dirs.map((d) => ({ name: d.name, dir: d.base, v2: d.v2 }));
  }

  /**
   * On a hybrid host, joins the v1 cpu controller too (only for an app with a CPU limit: see
   * V1_CONTROLLERS). Processes started from now on are born in it. False if it is not writable.
   */
  joinV1Cpu(): boolean {
    if (this.dirs.some((d) => d.name === "cpu")) return true;
    if (!this.dirs.length || this.dirs[0].mount === ROOT) return false; // pure v2: cpu.max in the same group
    const mount = path.join(ROOT, "cpu");
    if (!existsSync(path.join(mount, "cpu.cfs_quota_us"))) return false;
    const base = path.join(mount, ownPaths().get("cpu") ?? "/");
    if (!writable(base)) return false;
    const h: Hierarchy = { name: "cpu", mount, base, v2: false };
    this.own = [...this.own, h];
    this.dirs = [...this.dirs, { ...h, base: path.join(base, this.name) }];
    return true;
  }

  get kind(): TrackingKind {
    return this.dirs.length ? (this.dirs.length > 1 ? "hybrid" : "cgroup2") : "session";
  }

  private treeDirs(leaf: string): Hierarchy[] {
    return this.dirs.map((d) => ({ ...d, base: path.join(d.base, leaf) }));
  }

  private moveSelf(dirs: Hierarchy[]): void {
    for (const d of dirs) writeFileSync(path.join(d.base, "cgroup.procs"), String(process.pid));
  }

  /**
   * Runs `spawn` (a synchronous fork+exec) with the agent itself in a fresh tree's group, so the
   * child is born in it: nothing it forks, however early, escapes. The agent moves back at once,
   * or, inside batch(), once the batch ends. Without cgroups (or if the move fails) the tree is the
   * child's session.
   */
  spawnInto<T extends { pid?: number }>(spawn: () => T): { child: T; tree: ProcessTree | null } {
    if (!this.dirs.length) {
      const child = spawn();
      return { child, tree: child.pid ? new ProcessTree(child.pid, []) : null };
    }
    const dirs = this.treeDirs(`t${Date.now().toString(36)}-${++treeSeq}`);
    let moved = false;
    try {
      for (const d of dirs) mkdirSync(d.base, { recursive: true });
      this.away = true; // before the move: a move that fails half-way must be undone too
      this.moveSelf(dirs);
      moved = true;
    } catch {
      // not movable here (a delegated hierarchy we may not leave): session tracking, and never in
      // another tree's group (a batch's previous one, or part of this one)
      this.returnHome();
    }
    let child: T;
    try {
      child = spawn();
    } finally {
      if (!this.batching) this.returnHome();
    }
    if (!child.pid) {
      new ProcessTree(0, dirs).remove();
      return { child, tree: null };
    }
    return { child, tree: new ProcessTree(child.pid, moved ? dirs : []) };
  }

  /**
   * Runs `launch` (the synchronous spawns of a generation) with the agent going from one new tree's
   * group straight to the next and home once at the end: moving a process between cgroups is the
   * costly part of a spawn into its own group (a write to cgroup.procs per hierarchy, which takes
   * the kernel's global cgroup lock), and this halves the moves of every generation of 2 or more.
   */
  batch<T>(launch: () => T): T {
    if (this.batching) return launch();
    this.batching = true;
    try {
      return launch();
    } finally {
      this.batching = false;
      this.returnHome();
    }
  }

  private returnHome(): void {
    if (!this.away) return;
    try {
      this.moveSelf(this.own);
    } finally {
      this.away = false;
    }
  }

  /**
   * Moves a running process started elsewhere (discovery's import) and `descendants` into a fresh
   * tree of the app's group, so it is signalled, measured and found again like one the agent started.
   * Without cgroups, or if the kernel refuses the move, its session if it leads one (spawn-fcgi's
   * setsid), else null: a session it shares (a login shell's) is not the app's to signal.
   */
  takeIn(pid: number, descendants: number[]): ProcessTree | null {
    const session = () => (Number(procStat(pid)?.[3]) === pid ? new ProcessTree(pid, []) : null);
    if (!this.dirs.length) return session();
    const dirs = this.treeDirs(`t${Date.now().toString(36)}-${++treeSeq}`);
    try {
      for (const d of dirs) mkdirSync(d.base, { recursive: true });
      for (const d of dirs) for (const p of [pid, ...descendants]) writeFileSync(path.join(d.base, "cgroup.procs"), String(p));
      return new ProcessTree(pid, dirs);
    } catch {
      new ProcessTree(0, dirs).remove();
      return session();
    }
  }

  /** The tree a previous agent made for `pid` (after an agent restart), from /proc/PID/cgroup; else its session. */
  find(pid: number): ProcessTree;
  /** `foreign`: started outside Stoker, so its session counts only if it leads one (see takeIn). */
  find(pid: number, foreign: boolean): ProcessTree | null;
  find(pid: number, foreign = false): ProcessTree | null {
    const session = () => (!foreign || Number(procStat(pid)?.[3]) === pid ? new ProcessTree(pid, []) : null);
    const first = this.dirs[0];
    if (!first) return session();
    const own = ownPaths(pid);
    const where = path.join(first.mount, (first.v2 ? own.get("") : own.get(first.name)) ?? "/");
    const leaf = path.relative(first.base, where);
    if (!leaf || leaf.startsWith("..") || leaf.includes("/")) return session();
    return new ProcessTree(pid, this.treeDirs(leaf));
  }

  /** Every tree in the app's group (live or not): leftovers of an interrupted restart included. */
  trees(): ProcessTree[] {
    const first = this.dirs[0];
    if (!first) return [];
    try {
      return readdirSync(first.base, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => {
          const dirs = this.treeDirs(e.name);
          return new ProcessTree(0, dirs);
        });
    } catch {
      return [];
    }
  }

  /** Every live process of the app. */
  pids(): number[] {
    return this.trees().flatMap((t) => t.pids());
  }

  /** Removes empty trees, then the app's group if nothing is left in it. */
  remove(): boolean {
    const trees = this.trees();
    const empty = trees.filter((t) => t.remove()).length === trees.length;
    if (!empty) return false;
    for (const d of this.dirs) {
      for (const dir of [d.base, path.dirname(d.base)]) {
        try {
          rmdirSync(dir); // the app's group, then the agent's, once its last app is gone
        } catch {
          // not there or not empty
        }
      }
    }
    return true;
  }
}
