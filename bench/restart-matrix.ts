// Benchmark part: the restart matrix (issue 15). For each app kind of test/support/restart-matrix.ts,
// at its defaults: its own start time, then a whole-app restart of 4 processes behind nginx under
// wrk, by Stoker's agent and by supervisord 4.2's [fcgi-program] (group restart), in the same run.
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fastcgiRequest } from "../agent/fastcgi/client";
import { cgiParams } from "../agent/fastcgi/http-response";
import { callLocalControl } from "../agent/link/local-control";
import { closeFd, listenUnix } from "../agent/native";
import { startNginxFront } from "../test/support/nginx-front";
import { MATRIX_KINDS, type MatrixKind } from "../test/support/restart-matrix";
import { benchSupervisordRestart, underLoad, type WrkOptions, wrkFailed } from "./supervisord-restart";

// supervisord restarts some kinds in 3-8 s on a busy 2-core machine: the load must outlast that.
const WRK: WrkOptions = { threads: 2, connections: 16, durationS: 12 };
const RESTART_AT_MS = 2000;
const PROCESSES = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

export type MatrixRow = {
  kind: string;
  ownStartMs: number;
  stoker: { requests: number; failed: number; restartMs: number };
  supervisord: { requests: number; failed: number; allRunningMs: number } | { error: string };
};

/** The kind's own start: one process spawned on a fresh fd-0 socket until it answers its first request. */
async function ownStartMs(kind: MatrixKind): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), "stoker-bench-own-"));
  const sock = path.join(dir, "s.sock");
  const spec = kind.spec(sock);
  const fd = kind.appBound ? listenUnix(path.join(dir, "unused.sock")) : listenUnix(sock);
  const started = performance.now();
  const [file, ...args] = spec.command;
  // Its own process group: a prefork master's workers are stopped with it.
  const child: ChildProcess = spawn(file ?? "", args, { stdio: [fd, "ignore", "ignore"], env: { ...process.env, ...spec.env }, detached: true });
  let ms = Number.NaN;
  try {
    while (performance.now() - started < 20_000) {
      const ok = await fastcgiRequest({ path: sock }, cgiParams({ method: "GET", path: "/", extra: spec.fastcgiParams }), undefined, 15_000)
        .then((r) => r.stdout.length > 0)
        .catch(() => false);
      if (ok) {
        ms = performance.now() - started;
        break;
      }
      await sleep(2);
    }
  } finally {
    if (child.pid) process.kill(-child.pid, "SIGKILL");
    closeFd(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return ms;
}

async function stokerRestart(kind: MatrixKind): Promise<MatrixRow["stoker"]> {
  const dir = mkdtempSync(path.join(tmpdir(), "stoker-bench-matrix-"));
  chmodSync(dir, 0o755);
  const sock = path.join(dir, "app.sock");
  const spec = { ...kind.spec(sock), name: "app", processes: kind.appBound ? 1 : PROCESSES, ...(process.getuid?.() === 0 ? { user: "root" } : {}) };
  const config = path.join(dir, "apps.json");
  writeFileSync(config, JSON.stringify({ apps: [spec] }));
  const stateDir = path.join(dir, "state");
  const agent = spawn(process.execPath, ["dist/agent.mjs", "--config", config, "--state-dir", stateDir, "--socket-dirs", dir], { stdio: "ignore" });
  const ctl = (op: unknown) => callLocalControl(path.join(stateDir, "agent.sock"), op) as Promise<{ ok: boolean; message?: string }>;
  const front = await startNginxFront({ socket: `unix:${sock}`, params: spec.fastcgiParams, workers: 2 });
  try {
    for (let i = 0; i < 400; i++) {
      const st = (await ctl({ op: "status" }).catch(() => null)) as { value?: { processes: { state: string }[] }[] } | null;
      const ps = st?.value?.[0]?.processes ?? [];
      if (ps.length === spec.processes && ps.every((p) => p.state === "RUNNING")) break;
      await sleep(50);
    }
    const { wrk, action } = await underLoad(
      `${front.url}/`,
      RESTART_AT_MS,
      async () => {
        const t = performance.now();
        const r = await ctl({ op: "app.restart", appId: "app" });
        if (!r.ok) throw new Error(`restart failed: ${r.message}`);
        return Math.round(performance.now() - t);
      },
      WRK,
    );
    return { requests: wrk.requests, failed: wrkFailed(wrk), restartMs: action };
  } finally {
    await front.stop();
    await ctl({ op: "app.remove", appId: "app" }).catch(() => null);
    agent.kill("SIGTERM");
    await sleep(300);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function supervisordRestart(kind: MatrixKind): Promise<MatrixRow["supervisord"]> {
  // supervisord's [fcgi-program] owns the socket; an app that binds its own has no equivalent there.
  if (kind.appBound) return { error: "n/a (app binds its own socket)" };
  const spec = kind.spec("/unused");
  try {
    const r = await benchSupervisordRestart("group", PROCESSES, WRK, { command: spec.command, env: spec.env, params: spec.fastcgiParams, stopSignal: "TERM" }, RESTART_AT_MS);
    return { requests: r.requests, failed: r.failed, allRunningMs: r.allRunningMs };
  } catch (e) {
    return { error: e instanceof Error ? e.message.slice(0, 200) : String(e) };
  }
}

export async function restartMatrix(): Promise<MatrixRow[]> {
  const rows: MatrixRow[] = [];
  // Development only: BENCH_KINDS=flup,node runs some kinds; the published figures come from all.
  const only = process.env.BENCH_KINDS?.split(",");
  for (const kind of MATRIX_KINDS.filter((k) => !only || only.includes(k.name))) {
    const starts: number[] = [];
    for (let i = 0; i < 3; i++) starts.push(await ownStartMs(kind));
    rows.push({ kind: kind.name, ownStartMs: Math.round(median(starts)), stoker: await stokerRestart(kind), supervisord: await supervisordRestart(kind) });
  }
  return rows;
}

export function matrixTable(rows: MatrixRow[]): string {
  const head = `| app (${PROCESSES} processes, defaults) | own start (ms) | Stoker: requests | Stoker: failed | Stoker: restart (ms) | supervisord: requests | supervisord: failed | supervisord: all RUNNING (ms) |\n|---|---:|---:|---:|---:|---:|---:|---:|`;
  const lines = rows.map((r) => {
    const sv = "error" in r.supervisord ? `error: ${r.supervisord.error} | | ` : `${r.supervisord.requests} | **${r.supervisord.failed}** | ${r.supervisord.allRunningMs}`;
    return `| ${r.kind} | ${r.ownStartMs} | ${r.stoker.requests} | **${r.stoker.failed}** | ${r.stoker.restartMs} | ${sv} |`;
  });
  return [head, ...lines].join("\n");
}
