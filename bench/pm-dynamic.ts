// Benchmark (issue #20): a load step from 1 to 16 concurrent clients against the same php-cgi page
// (200 ms) behind the same nginx, managed by Stoker with a dynamic count and by PHP-FPM with
// pm = dynamic, with the same bounds (1..16 processes), in one run. Per manager: how long after the
// step until the listen queue is drained (at most 1 waiting, for 1 s), the largest queue,
// failed requests, latency, and the pool's memory at rest before and after (every process of it).
// Run: node --import tsx bench/pm-dynamic.ts   (loopback, temp dirs, php-fpm8.2 -F as a child)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { unixListenQueues } from "../agent/metrics/unix-listen-queue";
import { listenersNamed } from "../agent/supervisor/socket-use";
import { Supervisor } from "../agent/supervisor/supervisor";
import { AppSpecSchema } from "../lib/protocol";
import { appSpecFor, RUN_AS } from "../test/support/fixture-apps";
import { startLoad } from "../test/support/load";
import { startNginxFront } from "../test/support/nginx-front";
import { childPids } from "../test/support/procs";

const PAGE = path.resolve(import.meta.dirname, "../test/fixtures/slow.php");
const MIN = 1;
const MAX = 16;
const IDLE_S = 10;
const STEP_CLIENTS = 16;
const LOW_MS = 5_000;
const HIGH_MS = 20_000;
const PAGE_MS = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Pool = { name: string; sock: string; pids(): number[]; stop(): Promise<void> };
type Result = { name: string; drainedMs: number | null; peakQueue: number; peakProcs: number; requests: number; rps: number; failed: number; restBeforeKiB: number; restAfterKiB: number; procsAfter: number };

function rssKiB(pids: number[]): number {
  let kib = 0;
  for (const pid of pids) {
    const m = /^VmRSS:\s+(\d+)/m.exec((() => { try { return readFileSync(`/proc/${pid}/status`, "utf8"); } catch { return ""; } })());
    if (m) kib += Number(m[1]);
  }
  return kib;
}


async function stokerPool(dir: string): Promise<Pool> {
  const sock = path.join(dir, "stoker.sock");
  const spec = AppSpecSchema.parse({
    ...appSpecFor("php", sock, { fastcgiParams: { SCRIPT_FILENAME: PAGE } }),
    ...RUN_AS,
    name: "pm-bench",
    processes: { min: MIN, max: MAX, idleS: IDLE_S },
  });
  const sup = new Supervisor({ stateDir: path.join(dir, "state"), socketDirs: [dir], metrics: false });
  const put = await sup.put({ appId: "pm-bench", revision: 1, desired: "running", spec, rootApproved: true });
  if (!put.ok) throw new Error(put.message);
  const runner = sup.apps.get("pm-bench")!;
  return {
    name: `Stoker (processes {min ${MIN}, max ${MAX}, idleS ${IDLE_S}})`,
    sock,
    pids: () => runner.metricsView().processes.flatMap((p) => p.proc.pids()),
    stop: async () => {
      await sup.execute({ op: "app.remove", appId: "pm-bench" });
      sup.detachAll();
    },
  };
}

async function fpmPool(dir: string): Promise<Pool> {
  const sock = path.join(dir, "fpm.sock");
  const conf = path.join(dir, "php-fpm.conf");
  // pm = dynamic with the same bounds: one at rest, up to 16; spare children above one are ended (each second).
  writeFileSync(
    conf,
    [
      "[global]",
      `pid = ${dir}/fpm.pid`,
      `error_log = ${dir}/fpm.log`,
      "daemonize = no",
      "[bench]",
      `listen = ${sock}`,
      "listen.mode = 0666",
      "pm = dynamic",
      `pm.max_children = ${MAX}`,
      `pm.start_servers = ${MIN}`,
      `pm.min_spare_servers = ${MIN}`,
      `pm.max_spare_servers = ${MIN}`,
      "",
    ].join("\n"),
  );
  const child = spawn("/usr/sbin/php-fpm8.2", ["-F", "-R", "-y", conf, "-c", "/etc/php/8.2/cgi/php.ini"], { stdio: "ignore" });
  for (let i = 0; i < 100 && !listenersNamed((n) => n === sock).size; i++) await sleep(50);
  return {
    name: `PHP-FPM 8.2 (pm = dynamic, max_children ${MAX}, start/min/max_spare ${MIN})`,
    sock,
    pids: () => (child.pid ? [child.pid, ...childPids(child.pid)] : []),
    stop: async () => {
      child.kill("SIGQUIT");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

async function step(pool: Pool): Promise<Result> {
  const nginx = await startNginxFront({ socket: `unix:${pool.sock}`, params: { SCRIPT_FILENAME: PAGE }, workers: 2 });
  try {
    const url = `${nginx.url}/?ms=${PAGE_MS}`;
    await sleep(2000);
    const restBeforeKiB = rssKiB(pool.pids());
    const low = startLoad({ url, concurrency: 1, durationMs: LOW_MS, requestTimeoutMs: 60_000 });
    await low.done;
    const inode = [...listenersNamed((n) => n === pool.sock).keys()][0];
    const t0 = Date.now();
    const high = startLoad({ url, concurrency: STEP_CLIENTS, durationMs: HIGH_MS, requestTimeoutMs: 60_000 });
    let peakQueue = 0;
    let peakProcs = 0;
    let emptySince: number | null = null;
    let drainedMs: number | null = null;
    let finished = false;
    void high.done.then(() => {
      finished = true;
    });
    while (!finished) {
      const q = unixListenQueues()?.get(inode) ?? 0;
      peakQueue = Math.max(peakQueue, q);
      peakProcs = Math.max(peakProcs, pool.pids().length);
      const now = Date.now();
      // A client's next connection shows in the queue for an instant even when a process is free.
      if (q <= 1) emptySince ??= now;
      else emptySince = null;
      if (drainedMs === null && emptySince !== null && now - emptySince >= 1000) drainedMs = emptySince - t0;
      await sleep(50);
    }
    const r = await high.done;
    // The pool at rest again: Stoker after idleS, PHP-FPM after its once-a-second spare check.
    await sleep((IDLE_S + 8) * 1000);
    const after = pool.pids();
    const rate = r.requests / (r.elapsedMs / 1000);
    return {
      name: pool.name,
      drainedMs,
      peakQueue,
      peakProcs,
      requests: r.requests,
      failed: r.failed + (await low.done).failed,
      rps: Math.round(rate),
      restBeforeKiB,
      restAfterKiB: rssKiB(after),
      procsAfter: after.length,
    };
  } finally {
    await nginx.stop();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "stoker-pm-bench-"));
  const results: Result[] = [];
  try {
    for (const make of [stokerPool, fpmPool]) {
      const pool = await make(dir);
      try {
        results.push(await step(pool));
      } finally {
        await pool.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`Load step: ${LOW_MS / 1000} s at 1 client, then ${HIGH_MS / 1000} s at ${STEP_CLIENTS} clients, a ${PAGE_MS} ms php-cgi page through nginx\n`);
  console.log("| manager | queue drained after the step (≤ 1 for 1 s) | peak queue | peak processes | requests (16 clients) | req/s | failed | pool memory at rest before | after (processes) |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    console.log(
      `| ${r.name} | ${r.drainedMs === null ? "never" : `${(r.drainedMs / 1000).toFixed(1)} s`} | ${r.peakQueue} | ${r.peakProcs} | ${r.requests} | ${r.rps} | ${r.failed} | ${(r.restBeforeKiB / 1024).toFixed(1)} MiB | ${(r.restAfterKiB / 1024).toFixed(1)} MiB (${r.procsAfter}) |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
