// "Run it by hand": one extra instance of the app, as its user, in its cwd, with its env, on a
// fresh temporary socket (fd 0). Sends one FastCGI GET, keeps everything it said, then stops it.
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AppSpec, RunByHandResult, RunPurpose } from "../../lib/protocol";
import { FastcgiError, type FastcgiResult, fastcgiRequest } from "../fastcgi/client";
import { cgiParams, parseCgiResponse } from "../fastcgi/http-response";
import { planLaunch } from "../supervisor/launch-plan";
import { closeFd, listenUnix } from "../native";

export type RunByHandOptions = {
  socketDirs: string[];
  /** The owner's approval for uid 0 (lib/protocol/run-as.ts); without it a root app is refused. */
  rootApproved?: boolean;
  purpose?: RunPurpose;
  /** How long the one request may take (default 5 s). */
  timeoutMs?: number;
  /** Called with the pid while the instance is still alive after its request (the doctor inspects /proc). */
  whileRunning?: (pid: number) => Promise<void> | void;
  maxOutputBytes?: number;
};

type Exit = { code: number | null; signal: string | null };

function collect(child: ChildProcess, max: number): { text: () => [string, string]; done: Promise<void> } {
  const bufs: [Buffer[], Buffer[]] = [[], []];
  const sizes = [0, 0];
  const streams = [child.stdout, child.stderr];
  const done = streams.map(
    (s, i) =>
      new Promise<void>((resolve) => {
        if (!s) return resolve();
        s.on("data", (chunk: Buffer) => {
          if (sizes[i] < max) bufs[i].push(chunk);
          sizes[i] += chunk.length;
        });
        s.on("close", () => resolve());
        s.on("error", () => resolve());
      }),
  );
  const text = (i: 0 | 1) => {
    const all = Buffer.concat(bufs[i]);
    const s = all.subarray(0, max).toString("utf8");
    return sizes[i] > max ? `${s}\n…[${sizes[i] - max} more bytes]` : s;
  };
  return { text: () => [text(0), text(1)], done: Promise.all(done).then(() => undefined) };
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig); // its own group: reaches workers it forked (uWSGI, php-cgi children)
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

const within = <T>(p: Promise<T>, ms: number): Promise<T | "timeout"> =>
  Promise.race([p, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms).unref())]);

export async function runByHand(spec: AppSpec, opts: RunByHandOptions): Promise<RunByHandResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const base = { exitCode: null, signal: null, stdout: "", stderr: "", response: null };
  const planned = planLaunch(spec, opts.socketDirs, { purpose: opts.purpose ?? "run-by-hand", rootApproved: opts.rootApproved ?? false });
  if (!planned.ok) {
    const fields = planned.fields?.map((f) => `${f.path}: ${f.message}`).join("\n") ?? "";
    return { ...base, outcome: "failed", error: `${planned.message}\n${fields}`.trim(), durationMs: elapsed() };
  }
  const plan = planned.value;
  if (!existsSync(plan.cwd)) {
    return { ...base, outcome: "spawn-failed", error: `The working directory ${plan.cwd} does not exist.`, durationMs: elapsed() };
  }

  // 0755 so an app user (and a web server) can reach the socket; the agent connects as root anyway.
  const dir = mkdtempSync(path.join(os.tmpdir(), "stoker-rbh-"));
  chmodSync(dir, 0o755);
  const socketPath = path.join(dir, "app.sock");
  let child: ChildProcess | null = null;
  try {
    const fd = listenUnix(socketPath);
    try {
      if (plan.uid !== undefined) chownSync(socketPath, plan.uid, plan.gid ?? -1);
      child = spawn(plan.file, plan.args, {
        cwd: plan.cwd,
        env: plan.env as NodeJS.ProcessEnv, // the app's env, never the agent's
        uid: plan.uid,
        gid: plan.gid,
        detached: true,
        stdio: [fd, "pipe", "pipe"],
      });
    } finally {
      // The child holds its own copy; closing ours makes a crashed app refuse connections at once.
      closeFd(fd);
    }
    const proc = child;
    const output = collect(proc, opts.maxOutputBytes ?? 64 * 1024);
    const exited = new Promise<Exit>((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));
    const spawnError = new Promise<Error>((resolve) => proc.once("error", resolve));
    if (proc.pid === undefined) {
      const e = await spawnError;
      return { ...base, outcome: "spawn-failed", error: `Could not start ${plan.file}: ${e.message}`, durationMs: elapsed() };
    }
    const pid = proc.pid;

    let response: FastcgiResult | null = null;
    let failure: FastcgiError | null = null;
    const params = cgiParams({ method: "GET", path: spec.ready.path, extra: spec.fastcgiParams });
    try {
      response = await fastcgiRequest({ path: socketPath }, params, Buffer.alloc(0), opts.timeoutMs ?? 5000);
    } catch (e) {
      failure = e instanceof FastcgiError ? e : new FastcgiError("closed", "The request failed.");
    }

    // A failed request usually means a crash: give the exit a moment to arrive before deciding.
    let exit = await within(exited, failure && failure.kind !== "timeout" ? 2000 : 50);
    let wasStopped = false;
    if (exit === "timeout" && opts.whileRunning) await opts.whileRunning(pid);
    if (exit === "timeout") {
      wasStopped = true;
      killGroup(pid, "SIGTERM");
      exit = await within(exited, Math.min(spec.stop.timeoutMs, 3000));
      if (exit === "timeout") {
        killGroup(pid, "SIGKILL");
        exit = await exited;
      }
    }
    killGroup(pid, "SIGKILL"); // leftovers of a dead leader would keep the pipes open
    await within(output.done, 1000);
    const [stdout, stderr] = output.text();
    const final = exit;
    const outcome: RunByHandResult["outcome"] = response
      ? "responded"
      : !wasStopped
        ? "crashed"
        : failure?.kind === "timeout"
          ? "no-response"
          : "failed";
    const parsed = response ? parseCgiResponse(response.stdout) : null;
    return {
      outcome,
      exitCode: final.code,
      signal: final.signal,
      stdout,
      stderr,
      response:
        parsed && response
          ? { status: parsed.status, headers: parsed.headers, body: parsed.body.subarray(0, 64 * 1024).toString("utf8"), stderr: response.stderr }
          : null,
      error: failure?.message ?? null,
      durationMs: elapsed(),
    };
  } catch (e) {
    if (child?.pid) killGroup(child.pid, "SIGKILL");
    return { ...base, outcome: "failed", error: e instanceof Error ? e.message : "Run by hand failed.", durationMs: elapsed() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
