// Benchmark: a whole-app restart under load, supervisord 4.2 [fcgi-program] (group and one by one)
// against Stoker's agent, on the same 4-process php-cgi app behind the same nginx, in one run.
// Also: the restart matrix (bench/restart-matrix.ts: every app kind at its defaults, Stoker and
// supervisord side by side), and Stoker's restart time for 1, 4 and 16 processes against N php-cgi started together (and one
// alone) until every one of them serves, and agent RSS.
// Run: npm run build:agent && node --import tsx bench/restart.ts   (loopback and temp dirs only)
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fastcgiRequest } from "../agent/fastcgi/client";
import { cgiParams } from "../agent/fastcgi/http-response";
import { callLocalControl } from "../agent/link/local-control";
import { closeFd, listenUnix } from "../agent/native";
import { isAlive } from "../agent/supervisor/proc-stats";
import { startNginxFront } from "../test/support/nginx-front";
import { matrixTable, restartMatrix } from "./restart-matrix";
import {
  DEFAULT_WRK,
  MARKDOWN_HEADER,
  markdownRow,
  nginxErrorReasons,
  type RestartBenchResult,
  rssKiB,
  sampleRss,
  supervisordRows,
  underLoad,
  wrkFailed,
} from "./supervisord-restart";

const PHP_INDEX = path.resolve(import.meta.dirname, "../examples/apps/php/index.php");
// Benchmark baseline, not a fixture: recycling is off so that the load and scaling sections compare
// the two managers' restart mechanics alone (supervisord backs off on every recycle exit). The
// matrix section (bench/restart-matrix.ts) runs every app at its defaults, recycling included.
const PHP_ENV = { PHP_FCGI_CHILDREN: "0", PHP_FCGI_MAX_REQUESTS: "0" };
/** Samples per figure of the scaling part (its median is printed). */
const SAMPLES = 9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Agent = { child: ChildProcess; dir: string; sock: string; ctl(op: unknown): Promise<{ ok: boolean; value?: unknown; message?: string }>; stop(): Promise<void> };

async function startAgent(processes: number): Promise<Agent> {
  const dir = mkdtempSync(path.join(tmpdir(), "stoker-bench-agent-"));
  chmodSync(dir, 0o755);
  const sock = path.join(dir, "php.sock");
  const config = path.join(dir, "apps.json");
  const spec = { name: "php", command: ["/usr/bin/php-cgi"], env: PHP_ENV, processes, fastcgiParams: { SCRIPT_FILENAME: PHP_INDEX }, socket: { path: sock }, ...(process.getuid?.() === 0 ? { user: "root" } : {}) };
  writeFileSync(config, JSON.stringify({ apps: [spec] }));
  const stateDir = path.join(dir, "state");
  const child = spawn(process.execPath, ["dist/agent.mjs", "--config", config, "--state-dir", stateDir, "--socket-dirs", dir], { stdio: "ignore" });
  const ctl = (op: unknown) => callLocalControl(path.join(stateDir, "agent.sock"), op) as Promise<{ ok: boolean; value?: unknown; message?: string }>;
  for (let i = 0; i < 200; i++) {
    const status = await ctl({ op: "status" }).catch(() => null);
    const procs = (status?.value as { processes: { state: string }[] }[] | undefined)?.[0]?.processes ?? [];
    if (procs.length === processes && procs.every((p) => p.state === "RUNNING")) break;
    await sleep(50);
  }
  return {
    child,
    dir,
    sock,
    ctl,
    async stop() {
      await ctl({ op: "app.remove", appId: "php" }).catch(() => null);
      child.kill("SIGTERM");
      await sleep(300);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Keeps one request in flight per pid until each pid in `pids` has answered (the app page names its pid); ms since `from`. */
async function untilAllAnswer(sock: string, pids: number[], from: number, deadlineMs = 20_000): Promise<number> {
  const deadline = from + deadlineMs;
  const seen = new Set<number>();
  let ms = Number.NaN;
  const lane = async () => {
    while (seen.size < pids.length && performance.now() < deadline) {
      const pid = await fastcgiRequest({ path: sock }, cgiParams({ method: "GET", path: "/", extra: { SCRIPT_FILENAME: PHP_INDEX } }), undefined, 2000)
        .then((r) => Number(/pid=(\d+)/.exec(r.stdout.toString())?.[1]))
        .catch(() => 0);
      if (pids.includes(pid) && !seen.has(pid)) {
        seen.add(pid);
        if (seen.size === pids.length) ms = performance.now() - from;
      }
      await sleep(5); // the processes already serving must not take the 2 cores from those still loading
    }
  };
  await Promise.all(pids.map(lane));
  if (Number.isNaN(ms)) throw new Error(`only ${seen.size} of ${pids.length} php-cgi processes answered within ${deadlineMs} ms`);
  return ms;
}

/**
 * The app's own times for n processes: n php-cgi spawned at once on one fresh fd-0 socket until all
 * serve (start), then SIGTERM to all until all have exited (stop). A graceful restart pays both.
 */
async function phpTogetherMs(n: number): Promise<{ startMs: number; stopMs: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), "stoker-bench-php-"));
  const sock = path.join(dir, "p.sock");
  const fd = listenUnix(sock);
  const started = performance.now();
  const children = Array.from({ length: n }, () => spawn("/usr/bin/php-cgi", [], { stdio: [fd, "ignore", "ignore"], env: { ...process.env, ...PHP_ENV } }));
  try {
    const startMs = await untilAllAnswer(sock, children.map((c) => c.pid ?? 0), started);
    return { startMs, stopMs: await stopAll(children) };
  } finally {
    await stopAll(children); // after a failure; the next sample gets the 2 cores to itself
    closeFd(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** SIGTERM to every child still running; ms until all have exited. */
async function stopAll(children: ChildProcess[]): Promise<number> {
  const exited = children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => once(c, "exit"));
  const t = performance.now();
  for (const c of children) c.kill("SIGTERM");
  await Promise.all(exited);
  return performance.now() - t;
}

/** php-cgi's own start time: spawn on a fresh socket until it answers its first request. */
async function phpStartMs(): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), "stoker-bench-php-"));
  const sock = path.join(dir, "p.sock");
  const fd = listenUnix(sock);
  const started = performance.now();
  const child = spawn("/usr/bin/php-cgi", [], { stdio: [fd, "ignore", "ignore"], env: { ...process.env, ...PHP_ENV } });
  let ms = Number.NaN;
  for (let i = 0; i < 500; i++) {
    const ok = await fastcgiRequest({ path: sock }, cgiParams({ method: "GET", path: "/", extra: { SCRIPT_FILENAME: PHP_INDEX } }), undefined, 2000)
      .then((r) => r.stdout.length > 0)
      .catch(() => false);
    if (ok) {
      ms = performance.now() - started;
      break;
    }
  }
  child.kill("SIGTERM");
  closeFd(fd);
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

async function stokerUnderLoad(): Promise<RestartBenchResult> {
  const agent = await startAgent(4);
  const front = await startNginxFront({ socket: `unix:${agent.sock}`, params: { SCRIPT_FILENAME: PHP_INDEX }, workers: 2 });
  try {
    const pid = agent.child.pid ?? 0;
    const rss = sampleRss(pid);
    let beforeRestart = 0;
    const { wrk, action } = await underLoad(
      `${front.url}/`,
      3000,
      async () => {
        beforeRestart = rssKiB(pid);
        const t = performance.now();
        const r = await agent.ctl({ op: "app.restart", appId: "php" });
        if (!r.ok) throw new Error(`restart failed: ${r.message}`);
        return Math.round(performance.now() - t);
      },
      DEFAULT_WRK,
    );
    return {
      system: "Stoker agent (fd-0 socket)",
      mode: "whole-app restart",
      load: `wrk -t${DEFAULT_WRK.threads} -c${DEFAULT_WRK.connections} -d${DEFAULT_WRK.durationS}s, restart at 3 s`,
      processes: 4,
      requests: wrk.requests,
      failed: wrkFailed(wrk),
      wrk,
      restartCommandMs: action,
      allRunningMs: action, // the restart returns only once every new process answers and the old ones are gone
      rssKiB: { beforeRestart, peak: rss.stop(), after: rssKiB(pid) },
      nginxErrors: nginxErrorReasons(front.readErrorLog()),
    };
  } finally {
    await front.stop();
    await agent.stop();
  }
}

async function pidsOf(agent: Agent): Promise<number[]> {
  const status = await agent.ctl({ op: "status" });
  return ((status.value as { processes: { pid: number }[] }[] | undefined)?.[0]?.processes ?? []).map((p) => p.pid);
}

/** Waits (up to 10 s) until none of `pids` is alive. */
async function untilExited(pids: number[]): Promise<void> {
  for (let i = 0; i < 1000 && pids.some((pid) => isAlive(pid)); i++) await sleep(10);
}

type ScalingRow = { processes: number; restartMs: number; answeredAfterMs: number; phpTogetherMs: number; phpStopMs: number; agentRssKiB: number };

async function restartScaling(): Promise<ScalingRow[]> {
  const rows = [];
  for (const n of [1, 4, 16]) {
    const together: { startMs: number; stopMs: number }[] = [];
    const agent = await startAgent(n);
    try {
      await sleep(1000);
      const idleRss = rssKiB(agent.child.pid ?? 0);
      const times: number[] = [];
      const after: number[] = [];
      // Samples alternate, one of the app's own start then one Stoker restart, so that a drift of the
      // machine's speed during the run (a 2-core VM) weighs on both figures alike.
      for (let i = 0; i < SAMPLES; i++) {
        together.push(await phpTogetherMs(n));
        // Timed until the control call returns: every new process settled (asleep with no CPU used,
        // per /proc, or already serving) and min(n, 4) probes answered on the new generation's staged
        // socket, which then replaced the app's. That every new process answers is not part of it:
        // checked right after, timed apart as answeredAfterMs. The old generation is stopped after
        // the call returns (once it has served its backlog): the next sample waits for it to exit, as
        // the baseline's next sample starts only once its N php-cgi have exited.
        const old = await pidsOf(agent);
        const t = performance.now();
        const r = await agent.ctl({ op: "app.restart", appId: "php" });
        if (!r.ok) throw new Error(`restart of ${n} failed: ${r.message}`);
        times.push(performance.now() - t);
        const fresh = (r.value as { pid: number }[]).map((p) => p.pid);
        after.push(await untilAllAnswer(agent.sock, fresh, performance.now()));
        await untilExited(old);
      }
      rows.push({
        processes: n,
        restartMs: Math.round(median(times)),
        answeredAfterMs: Math.round(median(after)),
        phpTogetherMs: Math.round(median(together.map((x) => x.startMs))),
        phpStopMs: Math.round(median(together.map((x) => x.stopMs))),
        agentRssKiB: idleRss,
      });
    } finally {
      await agent.stop();
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const starts: number[] = [];
  for (let i = 0; i < 5; i++) starts.push(await phpStartMs());
  const startMs = Math.round(median(starts));
  // Development only: BENCH_PARTS=load or =scaling runs one half; the published figures come from a full run.
  const parts = process.env.BENCH_PARTS ?? "load,scaling,matrix";
  const load = parts.includes("load") ? { stoker: await stokerUnderLoad(), sv: await supervisordRows() } : null;
  const scaling = parts.includes("scaling") ? await restartScaling() : [];
  const matrix = parts.includes("matrix") ? await restartMatrix() : [];
  const all = load ? [...load.sv, load.stoker] : [];
  console.log(JSON.stringify({ phpStartMs: startMs, rows: all, scaling, matrix }, null, 2));
  console.log(`\nphp-cgi start time (spawn → first answer, median of 5): ${startMs} ms\n`);
  if (load) {
    console.log(MARKDOWN_HEADER);
    for (const r of all) console.log(markdownRow(r));
    const group = load.sv[0];
    console.log(`\nRatios (supervisord group / Stoker): failed requests ${group.failed} vs ${load.stoker.failed}; restart time ${(group.allRunningMs / load.stoker.allRunningMs).toFixed(1)}× longer with supervisord`);
  }
  const signed = (n: number) => `${n >= 0 ? "+" : ""}${n}`;
  console.log(
    "\n| processes | Stoker restart (ms, median of ${SAMPLES}) | N php-cgi started together until all serve (ms) | Stoker over that | N php-cgi stopped together, SIGTERM → all exited (ms) | Stoker over start + stop | php-cgi start, 1 process alone (ms) | agent RSS idle (MiB) |\n|---:|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const s of scaling) {
    const overStart = s.restartMs - s.phpTogetherMs;
    const overBoth = overStart - s.phpStopMs;
    console.log(`| ${s.processes} | ${s.restartMs} | ${s.phpTogetherMs} | ${signed(overStart)} | ${s.phpStopMs} | ${signed(overBoth)} | ${startMs} | ${(s.agentRssKiB / 1024).toFixed(1)} |`);
  }
  if (matrix.length) console.log(`\n${matrixTable(matrix)}\n`);
  console.log(`\nAfter Stoker's restart returned, every new process answered within ${scaling.map((s) => `${s.answeredAfterMs} ms (${s.processes})`).join(", ")} (median of ${SAMPLES}).`);
}

// Exits once printed: a handle left open (seen after the matrix part) kept the run, and the heavy slot it holds, alive for an hour.
main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
