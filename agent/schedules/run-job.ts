// Runs one scheduled command to its end: as the app's user, in the app's cwd (the current release),
// with the app's environment (a launch plan, like its processes), stdout and stderr kept together
// up to a cap, stopped (TERM, then KILL) past its time limit.
import { spawn } from "node:child_process";
import type { LaunchPlan } from "../supervisor/launch-plan";

/** What a run keeps of its output: the first bytes (where the error usually is), then a mark. */
export const RUN_OUTPUT_CAP = 32 * 1024;
const KILL_GRACE_MS = 5000;

export type JobResult = { exitCode: number | null; signal: string | null; output: string; truncated: boolean; timedOut: boolean; error?: string };
export type RunningJob = { pid: number; done: Promise<JobResult> };

export function runJob(plan: LaunchPlan, timeoutMs: number): RunningJob {
  const chunks: Buffer[] = [];
  let kept = 0;
  let truncated = false;
  const keep = (b: Buffer) => {
    if (kept >= RUN_OUTPUT_CAP) {
      truncated = true;
      return;
    }
    const part = b.subarray(0, RUN_OUTPUT_CAP - kept);
    if (part.length < b.length) truncated = true;
    chunks.push(part);
    kept += part.length;
  };
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(plan.file, plan.args, { cwd: plan.cwd, env: plan.env as NodeJS.ProcessEnv, uid: plan.uid, gid: plan.gid, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const error = `cannot start ${plan.file}: ${e instanceof Error ? e.message : String(e)}`;
    return { pid: 0, done: Promise.resolve({ exitCode: null, signal: null, output: "", truncated: false, timedOut: false, error }) };
  }
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let timedOut = false;
  const group = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig); // its own group: what it started goes too
    } catch {
      // gone
    }
  };
  const limit = setTimeout(() => {
    timedOut = true;
    group("SIGTERM");
    setTimeout(() => group("SIGKILL"), KILL_GRACE_MS).unref();
  }, timeoutMs);
  const done = new Promise<JobResult>((resolve) => {
    child.once("error", (e) => {
      clearTimeout(limit);
      resolve({ exitCode: null, signal: null, output: "", truncated: false, timedOut: false, error: `cannot start ${plan.file}: ${e.message}` });
    });
    // "close": the output pipes are drained too (not only the exit seen).
    child.once("close", (code, signal) => {
      clearTimeout(limit);
      resolve({ exitCode: code, signal, output: Buffer.concat(chunks).toString("utf8"), truncated, timedOut });
    });
  });
  return { pid: child.pid ?? 0, done };
}
