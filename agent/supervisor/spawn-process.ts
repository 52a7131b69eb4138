// Starts one FastCGI process (or re-attaches to one that survived an agent restart).
// stdout/stderr go through pipes whose read ends the child also keeps (fds 3 and 4), so the
// pipes never lose their reader: a restarted agent takes them back with pidfd_getfd. The agent's
// read ends go to the log ingest (logs/ingest.ts), which reads them to their end.
// A process is its whole tree (app-cgroup.ts): signals reach every descendant, and its exit is the
// leader's exit, seen at once, not when the last orphan holding its pipes lets go of them.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, fchownSync, openSync } from "node:fs";
import type { LogSink } from "../logs/log-sink";
import type { LaunchPlan } from "./launch-plan";
import { takeHandedBack, takeHeldPipes } from "../keeper/keeper-handback";
import { watchFd } from "../fd-watch";
import { closeFd, pidfdOpen, pipe, takeFd } from "../native";
import type { AppCgroup, ProcessTree, TreeUsage } from "./app-cgroup";
import { isAlive, readProcStat } from "./proc-stats";
import { isoNow } from "../../lib/protocol/iso-time";

export type ExitInfo = { code: number | null; signal: string | null };

export type OsProcess = {
  pid: number;
  startTicks: number;
  startedAt: string;
  /** Resolves once the process itself has exited (its output drained, or given OUTPUT_GRACE_MS). */
  exited: Promise<ExitInfo>;
  /** Signals the process and every descendant. */
  signal(sig: NodeJS.Signals): void;
  /** After the leader's exit: stops what is left of its tree (orphaned workers), `sig` then SIGKILL. */
  stopLeftovers(sig: NodeJS.Signals, timeoutMs: number): Promise<void>;
  /** CPU time and resident memory of the whole tree. */
  usage(): TreeUsage;
  /** Every live process of the tree (the leader's pid alone without a tree). */
  pids(): number[];
  /** Why no process was started (pid 0). */
  readonly error?: string;
  /** Started outside Stoker and adopted (discovery's import): it has no output pipes of ours at fds 3 and 4. */
  readonly foreign?: boolean;
};

const OUT_READ_FD = 3;
const ERR_READ_FD = 4;
/** How long an exit waits for the last output when orphans hold the pipes open (they may for ever). */
const OUTPUT_GRACE_MS = 150;
/** ... and when nothing else holds them: the log ingest's last read, on a busy host. */
const OUTPUT_WAIT_MS = 3000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const NO_USAGE: TreeUsage = { cpuNs: 0, rssBytes: 0, pids: 0 };

function notStarted(error: () => string, exited: Promise<ExitInfo>): OsProcess {
  return {
    pid: 0,
    startTicks: 0,
    startedAt: isoNow(),
    exited,
    signal: () => {},
    stopLeftovers: async () => {},
    usage: () => NO_USAGE,
    pids: () => [],
    get error() {
      return error();
    },
  };
}

/** The tree-wide operations of a process whose tree is `tree` (or only its process group without one). */
function treeOps(pid: number, tree: ProcessTree | null): Pick<OsProcess, "signal" | "stopLeftovers" | "usage" | "pids"> {
  return {
    signal: (sig) => {
      if (!tree || tree.signal(sig) === 0) signalGroup(pid, sig);
    },
    stopLeftovers: async (sig, timeoutMs) => {
      if (!tree) return;
      if (tree.signal(sig) > 0) {
        const deadline = Date.now() + timeoutMs;
        while (tree.pids().length && Date.now() < deadline) await sleep(50);
        if (tree.pids().length) tree.signal("SIGKILL");
        for (let i = 0; i < 20 && tree.pids().length; i++) await sleep(25);
      }
      tree.remove();
    },
    usage: () => {
      if (tree) return tree.usage();
      const st = readProcStat(pid);
      return st ? { cpuNs: (st.cpuTicks / 100) * 1e9, rssBytes: st.rssBytes, pids: 1 } : NO_USAGE;
    },
    pids: () => (tree ? tree.pids() : isAlive(pid) ? [pid] : []),
  };
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig); // its own process group: reaches workers it forked too
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** A started child with the read ends of its output pipes (it keeps them too, as fds 3 and 4). */
export type StartedChild = { child: ChildProcess; pid: number; tree: ProcessTree | null; outR: number; errR: number };

/**
 * How every app process is born, by the agent and by the log keeper alike: `listenFd` as fd 0,
 * stdout/stderr into fresh pipes whose read ends it also keeps (fds 3 and 4), its own session, in its
 * own tree's cgroup. A text when no process was started (E2BIG, EACCES…); its pipes are closed then.
 */
export function startChild(plan: LaunchPlan, listenFd: number | null, cgroup?: AppCgroup): StartedChild | { error: Promise<string> } {
  let files: number[];
  try {
    files = (plan.openFiles ?? []).map((f) => openSync(f, "r"));
  } catch (e) {
    return { error: Promise.resolve(`cannot start ${plan.file}: ${e instanceof Error ? e.message : String(e)}`) };
  }
  const [outR, outW] = pipe();
  const [errR, errW] = pipe();
  // The pipes are the app user's: a program that reopens its own stdout or stderr by name
  // (php-fpm's error_log = /proc/self/fd/2) is refused (EACCES) on a pipe only root owns (#20).
  if (plan.uid !== undefined && process.getuid?.() === 0) for (const fd of [outW, errW]) fchownSync(fd, plan.uid, plan.gid ?? -1);
  let child: ChildProcess;
  // fd 0 is the socket (FastCGI's FCGI_LISTENSOCK_FILENO) unless the plan names another fd for it.
  const at = plan.listenFd ?? 0;
  const stdio: (number | "ignore")[] = [at === 0 ? (listenFd ?? "ignore") : "ignore", outW, errW, outR, errR];
  if (at > 0) {
    while (stdio.length < at) stdio.push("ignore");
    stdio[at] = listenFd ?? "ignore";
  }
  stdio.push(...files);
  let tree: ProcessTree | null = null;
  const start = () =>
    spawn(plan.file, plan.args, {
      cwd: plan.cwd,
      env: plan.env as NodeJS.ProcessEnv, // exactly the app's env, nothing inherited
      uid: plan.uid,
      gid: plan.gid,
      detached: true, // own session: survives the agent
      stdio,
    });
  try {
    // Born in its own tree's cgroup: every process it forks, however early, is tracked.
    if (cgroup) ({ child, tree } = cgroup.spawnInto(start));
    else child = start();
  } catch (e) {
    // Refused before a process existed (E2BIG, EINVAL…): spawn throws instead of emitting "error".
    closeFd(outR);
    closeFd(errR);
    return { error: Promise.resolve(`cannot start ${plan.file}: ${e instanceof Error ? e.message : String(e)}`) };
  } finally {
    closeFd(outW);
    closeFd(errW);
    for (const fd of files) closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    closeFd(outR);
    closeFd(errR);
    return { error: new Promise<string>((resolve) => child.once("error", (e) => resolve(`cannot start ${plan.file}: ${e.message}`))) };
  }
  child.unref();
  return { child, pid, tree, outR, errR };
}

export function spawnProcess(plan: LaunchPlan, listenFd: number | null, sink: LogSink, cgroup?: AppCgroup): OsProcess {
  const started = startChild(plan, listenFd, cgroup);
  if ("error" in started) {
    let error = `cannot start ${plan.file}`;
    const failed = started.error.then((text) => {
      error = text;
      return { code: 127, signal: null };
    });
    return notStarted(() => error, failed);
  }
  const { child, pid, tree, outR, errR } = started;
  const outputDone = Promise.all([sink.attach(outR, pid, "out"), sink.attach(errR, pid, "err")]).then(() => sink.flush(pid));
  // The exit event comes from waitpid (SIGCHLD), at once, even while orphaned workers keep the pipes open.
  const exit = new Promise<ExitInfo>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return {
    pid,
    startTicks: readProcStat(pid)?.startTicks ?? 0,
    startedAt: isoNow(),
    exited: exit.then(async (info) => {
      // The leader is reaped by now: anything left in its tree is an orphan holding the pipes.
      const orphans = (tree?.pids().length ?? 0) > 0;
      await Promise.race([outputDone, sleep(orphans ? OUTPUT_GRACE_MS : OUTPUT_WAIT_MS)]);
      sink.flush(pid);
      return info;
    }),
    ...treeOps(pid, tree),
  };
}

/**
 * Resolves when a process that is not our child exits (no SIGCHLD, no status): its pidfd turns
 * readable at once. Taken after the start-time check, so a reused pid is never watched; without
 * pidfds (Linux < 5.3), polled.
 */
function exitOf(pid: number, startTicks: number): Promise<ExitInfo> {
  const gone = { code: null, signal: null };
  let pidfd: number;
  try {
    pidfd = pidfdOpen(pid);
  } catch {
    return new Promise<ExitInfo>((resolve) => {
      const timer = setInterval(() => {
        if (isAlive(pid, startTicks)) return;
        clearInterval(timer);
        resolve(gone);
      }, 200);
    });
  }
  // Opened after the check above: if the pid was reused in between, the new process is not ours.
  if (!isAlive(pid, startTicks)) {
    closeFd(pidfd);
    return Promise.resolve(gone);
  }
  return new Promise<ExitInfo>((resolve) => {
    const watch = watchFd(pidfd, () => {
      watch.close();
      closeFd(pidfd);
      resolve(gone);
    });
  });
}

/**
 * Re-attaches to a process started by a previous agent: takes its output pipes back and watches its
 * pidfd for its exit. A `foreign` process (started outside Stoker) has no pipes of ours: its fds 3
 * and 4, if any, are its own (a connection, a file) and are never touched.
 */
export function adoptProcess(pid: number, startTicks: number, startedAt: string, sink: LogSink, cgroup?: AppCgroup, foreign = false): OsProcess | null {
  if (!isAlive(pid, startTicks)) return null;
  let outputDone: Promise<unknown> = Promise.resolve();
  // Taken before the log keeper let go of them (keeper-handback.ts), or now.
  const pre = foreign ? undefined : takeHeldPipes(pid);
  if (!foreign) try {
    const out = pre?.out ?? takeFd(pid, OUT_READ_FD);
    let err: number;
    try {
      err = pre?.err ?? takeFd(pid, ERR_READ_FD);
    } catch (e) {
      closeFd(out);
      throw e;
    }
    // Lines the log keeper left unfinished go first, so they join the rest of their line.
    for (const stream of ["out", "err"] as const) {
      const held = takeHandedBack(pid, stream);
      if (held) sink.write(pid, stream, held);
    }
    outputDone = Promise.all([sink.attach(out, pid, "out"), sink.attach(err, pid, "err")]);
  } catch {
    // Started by something else (or fds closed by the app): supervise without output.
  }
  const exited = exitOf(pid, startTicks);
  return {
    pid,
    startTicks,
    startedAt,
    exited: Promise.all([exited, Promise.race([outputDone, sleep(OUTPUT_GRACE_MS)])]).then(([info]) => {
      sink.flush(pid);
      return info;
    }),
    ...treeOps(pid, cgroup ? cgroup.find(pid, foreign) : null),
    ...(foreign ? { foreign } : {}),
  };
}

/** The pipes of a process that ended before it could be adopted (taken back from the log keeper): its last output is stored all the same. */
export function readEnded(pid: number, fds: { out: number | null; err: number | null }, sink: LogSink): void {
  const reads: Promise<void>[] = [];
  for (const stream of ["out", "err"] as const) {
    const held = takeHandedBack(pid, stream);
    if (held) sink.write(pid, stream, held);
    const fd = fds[stream];
    if (fd !== null) reads.push(sink.attach(fd, pid, stream));
  }
  void Promise.all(reads).then(() => sink.flush(pid));
}
