// Runs one argv command for a deployment step (git, tar, a build command): no shell, a timeout
// that kills the whole process group, output streamed live and its tail kept for the step record.
import { spawn } from "node:child_process";

export type CommandOptions = {
  cwd: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
  timeoutMs: number;
  onOutput?: (chunk: string) => void;
  /** Bytes of output kept for the record (the live stream gets everything). */
  keepBytes?: number;
};

export type CommandResult = {
  ok: boolean;
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Set when the program could not be started at all (ENOENT, EACCES, ...). */
  spawnError: string | null;
  output: string;
};

const DEFAULT_KEEP = 64 * 1024;

export function runCommand(argv: string[], opts: CommandOptions): Promise<CommandResult> {
  const keep = opts.keepBytes ?? DEFAULT_KEEP;
  let output = "";
  const add = (chunk: string) => {
    output += chunk;
    if (output.length > keep * 2) output = output.slice(-keep); // amortized trim
    opts.onOutput?.(chunk);
  };
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env as NodeJS.ProcessEnv, // exactly what the step should see, nothing inherited
      uid: opts.uid,
      gid: opts.gid,
      detached: true, // own process group, so a timeout also kills what the command forked
      stdio: ["ignore", "pipe", "pipe"],
    });
    let timedOut = false;
    let spawnError: string | null = null;
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      add(`\n[stoker] killed after ${opts.timeoutMs} ms\n`);
      killGroup();
    }, opts.timeoutMs);
    child.stdout?.setEncoding("utf8").on("data", add);
    child.stderr?.setEncoding("utf8").on("data", add);
    child.once("error", (e: NodeJS.ErrnoException) => {
      spawnError = e.code ?? e.message;
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (spawnError) add(`[stoker] cannot run ${file}: ${spawnError}\n`);
      const tail = output.length > keep ? output.slice(-keep) : output;
      resolve({ ok: code === 0 && !timedOut && !spawnError, code, signal, timedOut, spawnError, output: tail });
    });
  });
}

/** One line for people: why a command failed. */
export function describeFailure(what: string, r: CommandResult): string {
  if (/No space left on device|ENOSPC/i.test(r.output) || r.spawnError === "ENOSPC") {
    return `${what} failed: the disk is full (no space left on device).`;
  }
  if (r.spawnError) return `${what} could not be started (${r.spawnError}).`;
  if (r.timedOut) return `${what} took too long and was stopped.`;
  if (r.signal) return `${what} was killed by ${r.signal}.`;
  return `${what} failed with exit code ${r.code}.`;
}

/** One line for people from a filesystem error; ENOSPC gets named because it is the common one. */
export function describeFsError(what: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOSPC") return `${what} failed: the disk is full (no space left on device).`;
  if (code === "EACCES" || code === "EPERM") return `${what} failed: permission denied.`;
  return `${what} failed${code ? ` (${code})` : ""}.`;
}
