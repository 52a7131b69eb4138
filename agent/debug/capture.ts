// Runs a short helper command as a given user (argv only, never a shell string) and collects its
// output, killing it after a deadline. The doctor uses it for sys.path and the login-shell env.
import { spawn } from "node:child_process";

export type CaptureOptions = {
  file: string;
  args: string[];
  cwd?: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
  timeoutMs?: number;
  maxBytes?: number;
};

export type Captured = { code: number | null; signal: string | null; stdout: string; stderr: string; error: string | null; timedOut: boolean };

export function captureCommand(opts: CaptureOptions): Promise<Captured> {
  const max = opts.maxBytes ?? 256 * 1024;
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let sizes = [0, 0];
    let timedOut = false;
    let spawnError: string | null = null;
    const child = spawn(opts.file, opts.args, {
      cwd: opts.cwd,
      env: opts.env as NodeJS.ProcessEnv,
      uid: opts.uid,
      gid: opts.gid,
      detached: true, // own group, and no controlling terminal for interactive shells to grab
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (into: Buffer[], i: 0 | 1) => (chunk: Buffer) => {
      if (sizes[i] < max) into.push(chunk);
      sizes = i === 0 ? [sizes[0] + chunk.length, sizes[1]] : [sizes[0], sizes[1] + chunk.length];
    };
    child.stdout?.on("data", keep(out, 0));
    child.stderr?.on("data", keep(err, 1));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }, opts.timeoutMs ?? 5000);
    child.on("error", (e) => {
      spawnError = e.message;
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).subarray(0, max).toString("utf8"),
        stderr: Buffer.concat(err).subarray(0, max).toString("utf8"),
        error: spawnError,
        timedOut,
      });
    });
  });
}
