// Starts one FastCGI process (or re-attaches to one that survived an agent restart).
// stdout/stderr go through pipes whose read ends the child also keeps (fds 3 and 4), so the
// pipes never lose their reader: a restarted agent takes them back with pidfd_getfd. The agent's
// read ends go to the log ingest thread, which reads them to their end.
import { type ChildProcess, spawn } from "node:child_process";
import type { LogSink } from "../logs/log-sink";
import type { LaunchPlan } from "./launch-plan";
import { takeHandedBack } from "../keeper/keeper-link";
import { closeFd, pipe, takeFd } from "../native";
import { isAlive, readProcStat } from "./proc-stats";

export type ExitInfo = { code: number | null; signal: string | null };

export type OsProcess = {
  pid: number;
  startTicks: number;
  startedAt: string;
  /** Resolves once the process has exited and its output has been drained. */
  exited: Promise<ExitInfo>;
  signal(sig: NodeJS.Signals): void;
  /** Why no process was started (pid 0). */
  readonly error?: string;
};

const OUT_READ_FD = 3;
const ERR_READ_FD = 4;

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

export function spawnProcess(plan: LaunchPlan, listenFd: number | null, sink: LogSink): OsProcess {
  const [outR, outW] = pipe();
  const [errR, errW] = pipe();
  let child: ChildProcess;
  try {
    child = spawn(plan.file, plan.args, {
      cwd: plan.cwd,
      env: plan.env as NodeJS.ProcessEnv, // exactly the app's env, nothing inherited
      uid: plan.uid,
      gid: plan.gid,
      detached: true, // own session: survives the agent
      stdio: [listenFd ?? "ignore", outW, errW, outR, errR],
    });
  } catch (e) {
    // Refused before a process existed (E2BIG, EINVAL…): spawn throws instead of emitting "error".
    closeFd(outR);
    closeFd(errR);
    const message = `cannot start ${plan.file}: ${e instanceof Error ? e.message : String(e)}`;
    return { pid: 0, startTicks: 0, startedAt: new Date().toISOString(), exited: Promise.resolve({ code: 127, signal: null }), signal: () => {}, error: message };
  } finally {
    closeFd(outW);
    closeFd(errW);
  }
  const pid = child.pid;
  if (pid === undefined) {
    closeFd(outR);
    closeFd(errR);
    let error = `cannot start ${plan.file}`;
    const failed = new Promise<ExitInfo>((resolve) =>
      child.once("error", (e) => {
        error = `cannot start ${plan.file}: ${e.message}`;
        resolve({ code: 127, signal: null });
      }),
    );
    return { pid: 0, startTicks: 0, startedAt: new Date().toISOString(), exited: failed, signal: () => {}, get error() { return error; } };
  }
  child.unref();
  const outputDone = Promise.all([sink.attach(outR, pid, "out"), sink.attach(errR, pid, "err")]);
  const exit = new Promise<ExitInfo>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return {
    pid,
    startTicks: readProcStat(pid)?.startTicks ?? 0,
    startedAt: new Date().toISOString(),
    exited: Promise.all([exit, outputDone]).then(([info]) => {
      sink.flush(pid);
      return info;
    }),
    signal: (sig) => signalGroup(pid, sig),
  };
}

/** Re-attaches to a process started by a previous agent: takes its output pipes back and polls for its exit. */
export function adoptProcess(pid: number, startTicks: number, startedAt: string, sink: LogSink): OsProcess | null {
  if (!isAlive(pid, startTicks)) return null;
  let outputDone: Promise<unknown> = Promise.resolve();
  try {
    const out = takeFd(pid, OUT_READ_FD);
    let err: number;
    try {
      err = takeFd(pid, ERR_READ_FD);
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
  const exited = new Promise<ExitInfo>((resolve) => {
    // Not our child: no exit event, so poll. The start time guards against a reused pid.
    const timer = setInterval(() => {
      if (!isAlive(pid, startTicks)) {
        clearInterval(timer);
        resolve({ code: null, signal: null });
      }
    }, 200);
  });
  return {
    pid,
    startTicks,
    startedAt,
    exited: Promise.all([exited, Promise.race([outputDone, new Promise((r) => setTimeout(r, 1000))])]).then(([info]) => {
      sink.flush(pid);
      return info;
    }),
    signal: (sig) => signalGroup(pid, sig),
  };
}
