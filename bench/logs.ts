// Benchmark for "Logs and tracebacks": (1) write-to-browser latency of a 1,000 lines/s app beside `tail -F`,
// (2) 1M-line stdout ingest under supervisord 4.2, PM2 5 and the Stoker agent: time, lost lines, manager RSS,
// with a writer that formats its lines as it goes, one that has them all ready, and one that makes a write(2) per line.
// Run: node --import tsx bench/logs.ts   (loopback and temp dirs only; needs .next and dist/agent.mjs built)
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, closeSync, existsSync, fstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import WebSocket from "ws";
import * as z from "zod";
import { callLocalControl } from "../agent/link/local-control";
import { ADMIN, freePort, ownerToken } from "../test/support/stack";

const ROOT = path.resolve(import.meta.dirname, "..");
const SPEW = path.join(ROOT, "bench/fixtures/spew.mjs");
const TICKER = path.join(ROOT, "bench/fixtures/ticker.mjs");
const NODE = process.execPath;
const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const RUNS = 7;
const RATE = 1000;
const WARMUP_S = 2;
const WINDOW_S = 15;
// Development only: BENCH_PARTS=latency or =ingest runs one half; the published figures come from a full run.
const PARTS = process.env.BENCH_PARTS ?? "latency,ingest";
/** How the ingest writer makes and writes its lines (bench/fixtures/spew.mjs). */
const ALL_WRITERS = ["formatted", "prebuilt", "per-line"] as const;
type Writer = (typeof ALL_WRITERS)[number];
// Development only, like BENCH_PARTS: BENCH_WRITERS=per-line runs one writer.
const WRITERS = ALL_WRITERS.filter((w) => (process.env.BENCH_WRITERS ?? ALL_WRITERS.join(",")).split(",").includes(w));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const wallMs = () => performance.timeOrigin + performance.now();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const mb = (kib: number) => (kib / 1024).toFixed(1);
const tmp = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), `stoker-bench-logs-${prefix}-`));
  chmodSync(dir, 0o755);
  return dir;
};

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : Number.NaN;
}

/** CPU time (ms) a process has used so far, user + system. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
  } catch {
    return 0;
  }
}

/** Waits until none of `pids` uses CPU for 300 ms (a manager may still be busy after its own run); returns the ms waited. */
async function untilQuiet(pids: number[], limitMs = 15_000): Promise<number> {
  const started = Date.now();
  const total = () => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  while (Date.now() - started < limitMs) {
    const before = total();
    await sleep(300);
    if (total() - before <= 10) break;
  }
  return Date.now() - started;
}

function killGroup(child: ChildProcess | number | undefined, sig: NodeJS.Signals = "SIGKILL"): void {
  const pid = typeof child === "number" ? child : child?.pid;
  if (!pid) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, sig);
    } catch {
      // not a group leader, or already gone
    }
  }
}

/** Runs a short command to completion (argv, no shell) and returns its stdout; throws on failure. */
function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(file, args, { env, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${path.basename(file)} ${args.join(" ")} failed: ${r.stderr || r.stdout || r.error?.message}`);
  return r.stdout;
}

async function until<T>(fn: () => T | null | undefined | false | Promise<T | null | undefined | false>, ms: number, what: string, every = 50): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v) return v;
    await sleep(every);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

// ───────────────────────── (2) 1M-line ingest ─────────────────────────

type IngestRun = { seconds: number; writerSeconds: number; writerCpuMs: number; lost: number; rssDoneKiB: number; rssPeakKiB: number; cpuMs: number; tracebacks?: number };
type IngestResult = { manager: string; rssBeforeKiB: number; runs: IngestRun[]; rssAfterIdleKiB: number; pid: number };

const marker = (i: number) => `spew ${String(i).padStart(9, "0")} `;

/** Whether the last KiBs of any of the files hold the writer's final line (cheap enough to poll every 10 ms). */
function tailHas(files: string[], needle: string): boolean {
  const buf = Buffer.alloc(8192);
  for (const file of files) {
    let fd: number;
    try {
      fd = openSync(file, "r");
    } catch {
      continue;
    }
    try {
      const size = fstatSync(fd).size;
      const n = readSync(fd, buf, 0, buf.length, Math.max(0, size - buf.length));
      if (buf.subarray(0, n).includes(needle)) return true;
    } finally {
      closeSync(fd);
    }
  }
  return false;
}

/** Distinct line numbers 0..total-1 found in the files (a manager may duplicate or reorder; only absence counts). */
function countDistinct(files: string[], total: number): number {
  const seen = new Uint8Array(total);
  let distinct = 0;
  for (const file of files) {
    const text = readFileSync(file, "latin1");
    for (let at = text.indexOf("spew "); at >= 0; at = text.indexOf("spew ", at + 15)) {
      const n = Number(text.slice(at + 5, at + 14));
      if (Number.isInteger(n) && n >= 0 && n < total && !seen[n]) {
        seen[n] = 1;
        distinct++;
      }
    }
  }
  return distinct;
}

/** One writer run: start it, poll until the last line is on disk, then count what arrived. */
async function ingestOnce(opts: { managerPid: number; timesFile: string; files: () => string[]; launch: () => Promise<void> }): Promise<IngestRun> {
  // Earlier runs leave ~100 MB of dirty page cache that the kernel writes back while the next run
  // is going, slowing its writes: flush first, so every run of every manager starts alike.
  spawnSync("sync");
  await sleep(500);
  let peak = rssKiB(opts.managerPid);
  const cpuBefore = cpuMs(opts.managerPid);
  await opts.launch();
  const last = marker(LINES - 1);
  let doneAt = Number.NaN;
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    peak = Math.max(peak, rssKiB(opts.managerPid));
    if (tailHas(opts.files(), last)) {
      doneAt = wallMs();
      break;
    }
    await sleep(10);
  }
  const rssDoneKiB = rssKiB(opts.managerPid);
  const cpuDuring = cpuMs(opts.managerPid) - cpuBefore; // every thread of the manager, start of the writer included
  // The writer leaves its start time (process start, before Node boots) when it exits.
  const times = await until(
    () => (existsSync(opts.timesFile) ? z.object({ originMs: z.number(), doneMs: z.number(), cpuMs: z.number() }).parse(JSON.parse(readFileSync(opts.timesFile, "utf8"))) : null),
    30_000,
    "the writer to exit",
  );
  if (Number.isNaN(doneAt)) await sleep(2000); // never completed: give stragglers a moment, then count what is there
  const lost = LINES - countDistinct(opts.files(), LINES);
  return { seconds: (doneAt - times.originMs) / 1000, writerSeconds: (times.doneMs - times.originMs) / 1000, writerCpuMs: times.cpuMs, lost, rssDoneKiB, rssPeakKiB: Math.max(peak, rssDoneKiB), cpuMs: cpuDuring };
}

/**
 * A manager kept running while every manager takes its turns: runs are interleaved (supervisord,
 * PM2, Stoker, then PM2, Stoker, supervisord, …) so that a slower or faster spell of this shared
 * machine falls on all of them alike, and each run starts once every manager has been idle for 300 ms.
 */
type Manager = { name: string; pid: number; rssBeforeKiB: number; runOnce(run: number): Promise<IngestRun>; stop(): Promise<void> };

/** Waits for a manager to come up; if it does not, stops what was started before failing. */
async function readyOrStop(stop: () => Promise<void>, ready: () => unknown): Promise<void> {
  try {
    await ready();
  } catch (e) {
    await stop();
    throw e;
  }
}

async function startSupervisord(writer: Writer): Promise<Manager> {
  const dir = tmp("supervisord");
  const conf = path.join(dir, "supervisord.conf");
  const programs = Array.from({ length: RUNS }, (_, i) =>
    [
      `[program:spew${i}]`,
      `command=${NODE} ${SPEW} ${LINES} ${dir}/times-${i}.json ${writer}`,
      "autostart=false",
      "autorestart=false",
      "startsecs=0",
      `stderr_logfile=${dir}/spew${i}.err.log`,
      `stdout_logfile=${dir}/spew${i}.log`,
      "stdout_logfile_maxbytes=0", // no rotation: the whole run stays in one file
      "stderr_logfile_maxbytes=0",
    ].join("\n"),
  );
  writeFileSync(
    conf,
    [
      `[unix_http_server]\nfile=${dir}/supervisor.sock`,
      `[supervisord]\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\nchildlogdir=${dir}\nnodaemon=true`,
      "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
      `[supervisorctl]\nserverurl=unix://${dir}/supervisor.sock`,
      ...programs,
    ].join("\n\n"),
  );
  const child = spawn("/usr/bin/supervisord", ["-c", conf, "-n"], { stdio: "ignore", detached: true });
  const ctl = (...args: string[]) => run("/usr/bin/supervisorctl", ["-c", conf, ...args]);
  const stop = async () => {
    killGroup(child, "SIGTERM");
    await sleep(500);
    killGroup(child);
    rmSync(dir, { recursive: true, force: true });
  };
  await readyOrStop(stop, () =>
    until(() => {
      try {
        return /^\d+$/.test(ctl("pid").trim());
      } catch {
        return false;
      }
    }, 20_000, "supervisord"),
  );
  const pid = child.pid ?? 0;
  return {
    name: "supervisord 4.2",
    pid,
    rssBeforeKiB: rssKiB(pid),
    stop,
    runOnce: (i) =>
      ingestOnce({
        managerPid: pid,
        timesFile: path.join(dir, `times-${i}.json`),
        files: () => [path.join(dir, `spew${i}.log`)],
        launch: async () => void ctl("start", `spew${i}`),
      }),
  };
}

async function startPm2(writer: Writer): Promise<Manager> {
  const dir = tmp("pm2");
  // Installed per run into the temp dir (never into the repo), as the issue asks for PM2 5.
  run("npm", ["install", "--prefix", dir, "pm2@5", "--no-audit", "--no-fund", "--loglevel=error"]);
  const pm2 = path.join(dir, "node_modules/.bin/pm2");
  const env = { ...process.env, PM2_HOME: path.join(dir, "pm2home") };
  const logs = path.join(dir, "logs");
  let god = 0;
  const stop = async () => {
    spawnSync(pm2, ["kill"], { env, stdio: "ignore", timeout: 30_000 });
    if (god) killGroup(god);
    rmSync(dir, { recursive: true, force: true });
  };
  await readyOrStop(stop, () => {
    run(pm2, ["ping"], env); // starts the God daemon
    god = Number(readFileSync(path.join(dir, "pm2home/pm2.pid"), "utf8").trim());
  });
  return {
    name: "PM2 5 (God daemon)",
    pid: god,
    rssBeforeKiB: rssKiB(god),
    stop,
    runOnce: (i) => {
      const times = path.join(dir, `times-${i}.json`);
      return ingestOnce({
        managerPid: god,
        timesFile: times,
        // PM2 may add an instance suffix to the name: take whatever it made for this run.
        files: () => (existsSync(logs) ? readdirSync(logs).filter((f) => f.startsWith(`spew${i}.`)).map((f) => path.join(logs, f)) : []),
        launch: async () =>
          void run(pm2, ["start", SPEW, "--name", `spew${i}`, "--no-autorestart", "-o", `${logs}/spew${i}.out.log`, "-e", `${logs}/spew${i}.err.log`, "--", String(LINES), times, writer], env),
      });
    },
  };
}

type CtlReply = { ok: boolean; value?: unknown; message?: string };

async function startStoker(writer: Writer): Promise<Manager> {
  const dir = tmp("stoker");
  const stateDir = path.join(dir, "state");
  const config = path.join(dir, "apps.json");
  writeFileSync(config, JSON.stringify({ apps: [] })); // apps arrive one per run through the local control socket
  const errFd = openSync(path.join(dir, "agent.err"), "a");
  const child = spawn(NODE, [path.join(ROOT, "dist/agent.mjs"), "--config", config, "--state-dir", stateDir, "--socket-dirs", dir], {
    stdio: ["ignore", errFd, errFd],
    detached: true,
  });
  closeSync(errFd);
  const ctl = async (op: unknown) => (await callLocalControl(path.join(stateDir, "agent.sock"), op)) as CtlReply;
  const appPids = () => {
    try {
      const state = JSON.parse(readFileSync(path.join(stateDir, "state.json"), "utf8")) as { apps: { processes: { pid: number }[] }[] };
      return state.apps.flatMap((a) => a.processes.map((p) => p.pid));
    } catch {
      return [];
    }
  };
  const stop = async () => {
    for (const p of appPids()) killGroup(p);
    killGroup(child, "SIGTERM");
    await sleep(300);
    killGroup(child);
    rmSync(dir, { recursive: true, force: true });
  };
  await readyOrStop(stop, () => until(async () => (await ctl({ op: "status" }).catch(() => null))?.ok, 20_000, "the Stoker agent"));
  const pid = child.pid ?? 0;
  return {
    name: "Stoker agent",
    pid,
    rssBeforeKiB: rssKiB(pid),
    stop,
    runOnce: async (i) => {
      const appId = `spew${i}`;
      const times = path.join(dir, `times-${i}.json`);
      const logDir = path.join(stateDir, "logs", appId);
      const spec = {
        name: appId,
        hostId: "local",
        command: [NODE, SPEW, String(LINES), times, writer],
        processes: 1,
        // bind "app": a log writer serves no FastCGI, so the agent must not wait for it to settle on a socket.
        socket: { path: path.join(dir, `${appId}.sock`), bind: "app" },
        ...(process.getuid?.() === 0 ? { user: "root" } : {}), // named explicitly: an omitted user never means root
        ready: { probe: "none" },
        restart: { policy: "never" }, // one pass of the writer, like autorestart=false elsewhere
      };
      const r = await ingestOnce({
        managerPid: pid,
        timesFile: times,
        files: () => (existsSync(logDir) ? readdirSync(logDir).filter((f) => /^app\.log(\.\d+)?$/.test(f)).map((f) => path.join(logDir, f)) : []),
        launch: async () => {
          const put = await ctl({ op: "app.put", app: { appId, revision: 1, desired: "running", spec, rootApproved: true } });
          if (!put.ok) throw new Error(`app.put failed: ${put.message}`);
        },
      });
      await sleep(1500); // the traceback detector reports a block after 1 s of quiet
      // Proof that traceback detection ran over the flood: the writer's final ValueError must be grouped.
      const tb = await ctl({ op: "tracebacks.list", appId });
      r.tracebacks = Array.isArray(tb.value) ? tb.value.length : 0;
      await ctl({ op: "app.remove", appId });
      return r;
    },
  };
}

/** All three managers up at once, then run k of each in turn; RSS 5 s after the last run. */
async function ingestInterleaved(writer: Writer): Promise<IngestResult[]> {
  const managers: Manager[] = [];
  try {
    for (const start of [startSupervisord, startPm2, startStoker]) managers.push(await start(writer));
    await sleep(1000);
    const before = managers.map((m) => rssKiB(m.pid));
    const runs = managers.map((): IngestRun[] => []);
    for (let i = 0; i < RUNS; i++) {
      // Each round starts with another manager, so none always runs right after the same one.
      for (let j = 0; j < managers.length; j++) {
        const k = (i + j) % managers.length;
        const m = managers[k];
        await sleep(2000);
        const waited = await untilQuiet(managers.map((x) => x.pid));
        console.error(`[bench] ingest (${writer} writer), run ${i + 1}/${RUNS}: ${m.name} (managers quiet after ${waited} ms)`);
        runs[k].push(await m.runOnce(i));
      }
    }
    await sleep(5000);
    return managers.map((m, k) => ({ manager: m.name, rssBeforeKiB: before[k], runs: runs[k], rssAfterIdleKiB: rssKiB(m.pid), pid: m.pid }));
  } finally {
    for (const m of managers) await m.stop();
  }
}

// ───────────────────────── (1) write-to-browser latency ─────────────────────────

type Latency = { path: string; samples: number; missing: number; p50: number; p99: number; max: number };
type Tick = { n: number; sentNs: bigint };

/** Collects "tick N T=ns" lines received inside the measuring window, keyed by N (first receipt wins). */
class LatencyWindow {
  readonly got = new Map<number, number>();
  constructor(
    private from: bigint,
    private to: bigint,
  ) {}
  take(text: string, atNs: bigint): void {
    const t = parseTick(text);
    if (!t || t.sentNs < this.from || t.sentNs >= this.to || this.got.has(t.n)) return;
    this.got.set(t.n, Number(atNs - t.sentNs) / 1e6);
  }
  result(label: string): Latency {
    const ms = [...this.got.values()].sort((a, b) => a - b);
    const ns = [...this.got.keys()];
    // Gaps in the numbering inside the window: exact, unlike rate × duration, which is off by one at the edges.
    const span = ns.length ? Math.max(...ns) - Math.min(...ns) + 1 : 0;
    return { path: label, samples: ms.length, missing: span - ms.length, p50: percentile(ms, 50), p99: percentile(ms, 99), max: ms[ms.length - 1] };
  }
}

function parseTick(text: string): Tick | null {
  const m = /tick (\d{9}) T=(\d+) /.exec(text);
  return m ? { n: Number(m[1]), sentNs: BigInt(m[2]) } : null;
}

/** `tail -F -n 0 FILE`, every output line handed to `onLine` with its receipt time. */
function tailF(file: string, onLine: (text: string, atNs: bigint) => void): ChildProcess {
  const tail = spawn("tail", ["-F", "-n", "0", file], { stdio: ["ignore", "pipe", "ignore"], detached: true });
  let buf = "";
  tail.stdout?.on("data", (d: Buffer) => {
    const at = process.hrtime.bigint();
    buf += d.toString("latin1");
    const parts = buf.split("\n");
    buf = parts.pop() ?? "";
    for (const p of parts) onLine(p, at);
  });
  return tail;
}

const windowFromNow = () => {
  const from = process.hrtime.bigint() + BigInt(WARMUP_S * 1e9);
  return { from, to: from + BigInt(WINDOW_S * 1e9) };
};

/** Reference: the same ticker appending straight to a file, read back by `tail -F`. */
async function latencyTailDirect(): Promise<Latency> {
  const dir = tmp("tail");
  const file = path.join(dir, "ticker.log");
  const fd = openSync(file, "a");
  const tick: ChildProcess = spawn(NODE, [TICKER, String(RATE), String(WARMUP_S + WINDOW_S + 3)], { stdio: ["ignore", fd, "ignore"], detached: true });
  closeSync(fd);
  let tail: ChildProcess | null = null;
  try {
    await sleep(200);
    const w = windowFromNow();
    const win = new LatencyWindow(w.from, w.to);
    tail = tailF(file, (t, at) => win.take(t, at));
    await sleep((WARMUP_S + WINDOW_S + 1) * 1000);
    return win.result("`tail -F` over a file the writer appends to (reference)");
  } finally {
    killGroup(tick);
    killGroup(tail ?? undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

type ControlPlane = { url: string; dataDir: string; stop(): Promise<void> };

/**
 * Control plane + self-enrolled local agent, as `npm start` runs them, but without its rebuild check:
 * the bench measures the current .next and dist/agent.mjs builds instead of rebuilding them.
 */
async function startControlPlane(): Promise<ControlPlane> {
  const port = await freePort();
  const dataDir = tmp("cp");
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    NODE_ENV: "production" as const,
    NEXT_TELEMETRY_DISABLED: "1",
    PORT: String(port),
    HOST: "127.0.0.1",
    STOKER_DATA_DIR: dataDir,
    STOKER_ADMIN_EMAIL: ADMIN.email,
    STOKER_ADMIN_PASSWORD: ADMIN.password,
  };
  run(NODE, [path.join(ROOT, "scripts/migrate.mjs"), "deploy"], env);
  const out = openSync(path.join(dataDir, "stack.log"), "a");
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const c of children.reverse()) killGroup(c, "SIGTERM");
    await sleep(500);
    for (const c of children) killGroup(c);
    try {
      const state = JSON.parse(readFileSync(path.join(dataDir, "agent/state.json"), "utf8")) as { apps: { processes: { pid: number }[] }[] };
      for (const p of state.apps.flatMap((a) => a.processes)) killGroup(p.pid);
    } catch {
      // the agent never wrote its state
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const spawnNode = (args: string[], extra: Record<string, string> = {}) => {
      const c = spawn(NODE, args, { cwd: ROOT, env: { ...env, ...extra }, stdio: ["ignore", out, out], detached: true });
      children.push(c);
      return c;
    };
    spawnNode(["--import", "tsx", "--import", "./scripts/node-hooks.mjs", "server.ts"], { STOKER_LOCAL_AGENT: "1" });
    await until(() => fetch(`${url}/api/v1/health`).then((r) => r.ok).catch(() => false), 120_000, "the control plane", 200);
    const joinFile = path.join(dataDir, "agent/local-join-token");
    spawnNode(["dist/agent.mjs", "run", "--url", url, "--join-file", joinFile, "--name", "local"]);
    closeSync(out);
    return { url, dataDir, stop };
  } catch (e) {
    closeSync(out);
    await stop();
    throw e;
  }
}

const HostsSchema = z.array(z.object({ id: z.string(), online: z.boolean() }));
const AppsSchema = z.array(z.object({ id: z.string(), processes: z.array(z.object({ pid: z.number(), state: z.string() })) }));
const LinesEventSchema = z.object({ type: z.literal("logs.lines"), appId: z.string(), lines: z.array(z.object({ text: z.string() })), dropped: z.number() });

/** The browser path: agent → control plane → /ws/ui, with `tail -F` over the agent's own app.log at the same time. */
async function latencyStoker(): Promise<Latency[]> {
  const cp = await startControlPlane();
  let ws: WebSocket | null = null;
  let tail: ChildProcess | null = null;
  try {
    const token = await ownerToken(cp.url);
    const api = (p: string, init: RequestInit = {}) =>
      fetch(`${cp.url}/api/v1${p}`, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } });
    const host = await until(async () => HostsSchema.parse(await (await api("/hosts")).json()).find((h) => h.online), 60_000, "the local agent to enrol");
    const spec = {
      name: "ticker",
      hostId: host.id,
      command: [NODE, TICKER, String(RATE), "120"], // bounded: exits by itself even if cleanup failed
      processes: 1,
      socket: { path: path.join(cp.dataDir, "run", "ticker.sock"), bind: "app" }, // not FastCGI: no socket to settle on
      ...(process.getuid?.() === 0 ? { user: "root" } : {}),
      ready: { probe: "none" },
      restart: { policy: "never" },
    };
    const created = await api("/apps", { method: "POST", body: JSON.stringify(spec) });
    if (created.status !== 201) throw new Error(`creating the app failed: ${created.status} ${await created.text()}`);
    const { id } = z.object({ id: z.string() }).parse(await created.json());
    await until(
      async () => AppsSchema.parse(await (await api("/apps")).json()).find((a) => a.id === id && a.processes.some((p) => p.state === "RUNNING")),
      30_000,
      "the ticker app to run",
    );
    const w = windowFromNow();
    const browser = new LatencyWindow(w.from, w.to);
    const viaTail = new LatencyWindow(w.from, w.to);
    let dropped = 0;
    const socket = new WebSocket(`${cp.url.replace("http", "ws")}/ws/ui`, { headers: { authorization: `Bearer ${token}` } });
    ws = socket;
    socket.on("message", (data) => {
      const at = process.hrtime.bigint();
      const ev = LinesEventSchema.safeParse(JSON.parse(String(data)));
      if (!ev.success) return;
      dropped += ev.data.dropped;
      for (const l of ev.data.lines) browser.take(l.text, at);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    socket.send(JSON.stringify({ type: "logs.follow", appId: id }));
    tail = tailF(path.join(cp.dataDir, "agent/logs", id, "app.log"), (t, at) => viaTail.take(t, at));
    await sleep((WARMUP_S + WINDOW_S + 1) * 1000);
    const b = browser.result("Stoker: app → agent → control plane → WebSocket client");
    if (dropped) b.path += ` (${dropped} reported dropped)`;
    return [b, viaTail.result("`tail -F` over the agent's app.log (same lines, same run)")];
  } finally {
    ws?.terminate();
    killGroup(tail ?? undefined);
    await cp.stop();
  }
}

// ───────────────────────── report ─────────────────────────

function ingestTable(results: IngestResult[]): string {
  const stoker = results.find((r) => r.manager.startsWith("Stoker"));
  const others = results.filter((r) => r !== stoker);
  const best = Math.min(...others.map((r) => median(r.runs.map((x) => x.seconds))));
  const rows = results.map((r) => {
    const secs = r.runs.map((x) => x.seconds);
    const med = median(secs);
    const ratio = r === stoker ? `**${(best / med).toFixed(2)}**` : (best / med).toFixed(2);
    const tb = r.runs[0].tracebacks === undefined ? "n/a" : r.runs.map((x) => x.tracebacks).join("/");
    return `| ${r.manager} | ${med.toFixed(2)} (${secs.map((s) => s.toFixed(2)).join(", ")}) | ${median(r.runs.map((x) => x.writerSeconds)).toFixed(2)} | ${Math.round(median(r.runs.map((x) => x.writerCpuMs)))} | ${median(r.runs.map((x) => x.cpuMs))} | ${r.runs.map((x) => x.lost).join("/")} | ${mb(r.rssBeforeKiB)} → ${r.runs.map((x) => mb(x.rssDoneKiB)).join(" / ")} (peak ${mb(Math.max(...r.runs.map((x) => x.rssPeakKiB)))}) → ${mb(r.rssAfterIdleKiB)} | ${ratio} | ${tb} |`;
  });
  return [
    "| manager | s until all lines in the log files, median (runs) | writer's own run time, s | writer's CPU ms, median | manager CPU ms, median | lines lost per run | manager RSS MB: before → at completion of each run (peak) → 5 s after the last | ratio (fastest other ÷ this) | traceback groups found |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function latencyTable(rows: Latency[]): string {
  return [
    "| path | samples | missing | p50 ms | p99 ms | max ms |",
    "|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.path} | ${r.samples} | ${r.missing} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} |`),
  ].join("\n");
}

async function main(): Promise<void> {
  if (!existsSync(path.join(ROOT, "dist/agent.mjs"))) run("npm", ["run", "build:agent"]);
  const cpus = readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.*)$/m)?.[1] ?? "unknown CPU";
  console.error(`[bench] ${cpus}, ${readFileSync("/proc/cpuinfo", "utf8").match(/^processor/gm)?.length ?? "?"} CPUs, Node ${process.version}`);

  const latency: Latency[] = [];
  if (PARTS.includes("latency")) {
    console.error("[bench] latency: Stoker browser path…");
    latency.push(...(await latencyStoker()));
    console.error("[bench] latency: tail -F reference…");
    latency.push(await latencyTailDirect());
  }
  const ingest: Record<string, IngestResult[]> = {};
  for (const writer of PARTS.includes("ingest") ? WRITERS : []) {
    ingest[writer] = await ingestInterleaved(writer);
    console.error(JSON.stringify(ingest[writer]));
  }

  console.log(`\nMachine: ${cpus}; Node ${process.version}; ${LINES.toLocaleString("en")} lines of 70 bytes; ${RUNS} runs per manager.\n`);
  if (latency.length) console.log(`### Live tail latency (${RATE} lines/s, ${WINDOW_S} s window after ${WARMUP_S} s warm-up)\n\n${latencyTable(latency)}\n`);
  for (const [writer, results] of Object.entries(ingest)) {
    console.log(`### ${LINES.toLocaleString("en")}-line ingest, ${writer} writer\n\n${ingestTable(results)}\n`);
  }
  console.log(JSON.stringify({ latency, ingest }));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exitCode = 1;
});
