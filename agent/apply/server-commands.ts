// The commands an apply runs on a web server: validate/reload argv (never a shell), a reload by
// signal to the pid file's pid when there is no command (no systemd), and a start when the server
// is down (lighttpd and Apache stop when a graceful restart cannot bind).
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ApplyTarget } from "./apply-web-config";
import { readPidFile, runningPid } from "./server-process";

export type CommandResult = { code: number; output: string };

export function runArgv(argv: string[], timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    if (argv.length === 0) return resolve({ code: 1, output: "No command configured." });
    execFile(argv[0] ?? "", argv.slice(1), { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 127) : 0;
      resolve({ code, output: `${stdout}${stderr}${error && typeof error.code !== "number" ? `${error.message}\n` : ""}` });
    });
  });
}

/**
 * Runs a command that daemonizes (nginx, `lighttpd -f`, `apachectl start`): the daemon may keep
 * its stdio open forever, so output goes to a file and only the launcher's exit is awaited.
 * Detached, so the server is not in the agent's process group.
 */
export function runDaemonizing(argv: string[], timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    if (argv.length === 0) return resolve({ code: 1, output: "No command configured." });
    const dir = mkdtempSync(path.join(tmpdir(), "stoker-start-"));
    const file = path.join(dir, "out");
    const fd = openSync(file, "w");
    const finish = (code: number, extra = "") => {
      clearTimeout(timer);
      let output = "";
      try {
        output = readFileSync(file, "utf8").slice(0, 64 * 1024);
      } catch {
        // nothing written
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, output: `${output}${extra}` });
    };
    const child = spawn(argv[0] ?? "", argv.slice(1), { stdio: ["ignore", fd, fd], detached: true });
    closeSync(fd);
    const timer = setTimeout(() => finish(124, `${argv[0]} did not return within ${timeoutMs} ms.\n`), timeoutMs);
    child.once("error", (e) => finish(127, `${e.message}\n`));
    child.once("exit", (code) => finish(code ?? 1));
    child.unref();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reloads a running server; starts one that is not running (when the target says how). */
export async function reloadOrStart(target: ApplyTarget, timeoutMs: number): Promise<CommandResult & { started: boolean }> {
  if (target.pidFile && runningPid(target.pidFile) === null) {
    if (!target.startArgv?.length) return { code: 1, output: `${target.server} is not running and no start command is configured.`, started: false };
    // A stale pid file (its process is gone) makes `apachectl start` say "already running".
    rmSync(target.pidFile, { force: true });
    const launched = await runDaemonizing(target.startArgv, timeoutMs);
    // The pid file appears a moment after the launcher returns.
    const deadline = Date.now() + Math.min(timeoutMs, 10_000);
    while (runningPid(target.pidFile) === null && Date.now() < deadline) await sleep(100);
    const up = runningPid(target.pidFile) !== null;
    if (up) await sleep(target.settleMs ?? 500);
    return { code: up ? 0 : 1, output: up ? "" : `${target.server} did not start: ${launched.output.trim()}`, started: up };
  }
  if (target.reloadArgv.length) return { ...(await runArgv(target.reloadArgv, timeoutMs)), started: false };
  const pid = target.pidFile ? readPidFile(target.pidFile) : null;
  if (!pid || !target.reloadSignal) return { code: 1, output: "No reload command and no pid file to signal are configured.", started: false };
  try {
    process.kill(pid, target.reloadSignal);
    return { code: 0, output: "", started: false };
  } catch (e) {
    const code = e instanceof Error && "code" in e ? String((e as NodeJS.ErrnoException).code) : "error";
    return { code: 1, output: `Could not signal ${target.server} (pid ${pid}): ${code}.`, started: false };
  }
}
