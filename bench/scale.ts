// Benchmark: one control plane (SQLite, one process) under N simulated agents speaking the real agent
// protocol (test/support/sim-agent.ts: lib/protocol messages over /ws/agent, host keys checked as for a
// real agent), each with one app of P processes. Per agent: a process state change every second (its
// transition and the app's status, as the agent sends them), 3 log lines a second and a Python
// traceback about once a minute (sent, as by the real agent, only while someone follows the app's
// log: the browser follows one), facts every 10 s. One browser-like client on /ws/ui measures status change →
// browser (the change's time rides in the process's startedAt), and the API is polled once a second
// (GET /api/v1/apps?limit=50 and /hosts?limit=50). The control plane reports its event-loop use and
// delay, CPU and RSS once a second (bench/scale-probe.mjs, preloaded).
// Each agent count runs on every setup in the same run, side by side: SQLite with one process
// (sqlite), PostgreSQL with one replica (pg1) and with two (pg2: agents split between the replicas,
// the browser and API on the second, so half the status changes cross LISTEN/NOTIFY). PostgreSQL is
// a throwaway cluster with its durable defaults (fsync, synchronous commit), on the same machine.
// Every phase has a time limit and a setup that cannot carry the load still gives its row (what
// happened: agents that could not connect, the browser closed as too slow and reconnected, a phase
// that timed out), then the run goes on with the next one.
// Hosts and apps are seeded straight into the database (a host key's sha256, as enrollment stores it):
// enrolling 3,000 agents through join tokens would measure the join flow, not the steady state.
// Needs a built dashboard (`npm run build`). Run (through the shared slot limiter):
//   /work/wt/heavy node --import tsx bench/scale.ts --agents 100,1000,3000 --seconds 60 [--setups sqlite,pg1,pg2] [--cpu-prof DIR] [--screenshots DIR]
import { type ChildProcess, fork, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { chromium } from "@playwright/test";
import WebSocket from "ws";
import { AppSpecSchema } from "../lib/protocol";
import { freePort } from "../test/support/free-port";
import { SimAgent, type SimApp, simProcesses } from "../test/support/sim-agent";
import { startTempPostgres } from "../scripts/temp-postgres.mjs";

const ROOT = path.resolve(import.meta.dirname, "..");
const ADMIN = { email: "bench@example.com", password: "bench-password-long-enough" };
type Seeded = { hostId: string; hostKey: string; name: string; appId: string };
type Opts = { url: string; agentUrls: string[]; agentsFile: string; processes: number; cookie: string; token: string; followAppId: string };
type Dist = { n: number; p50: number; p99: number; max: number; errors?: number };
type ProbeLine = { t: number; elu: number; cpu: number; rss: number; delayP99: number; delayMax: number; hostWrites: number; apiServerMs?: number[]; inboxPending?: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function dist(xs: number[], errors?: number): Dist {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : Number.NaN);
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: s.at(-1) ?? Number.NaN, ...(errors !== undefined ? { errors } : {}) };
}
/** `p`, or a rejection naming `what` after `ms`: no phase of a run waits for ever. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
const round = (x: number) => (Number.isFinite(x) ? (x < 10 ? Math.round(x * 10) / 10 : Math.round(x)) : "–");

// ---------------------------------------------------------------- the simulated agents (a child)

async function runAgents(opts: Opts): Promise<void> {
  const seeded = JSON.parse(readFileSync(opts.agentsFile, "utf8")) as Seeded[];
  const agents = seeded.map((s, i) => new SimAgent(opts.agentUrls[i % opts.agentUrls.length], s.hostKey, s.name, [{ appId: s.appId, revision: 1, processes: simProcesses(opts.processes) }]));
  const started = Date.now();
  let failed = 0;
  let firstError = "";
  for (let i = 0; i < agents.length; i += 50) {
    // A connect the control plane refuses or cannot answer in time is counted, not fatal: a swamped
    // setup must still give its row (what happened), not hang the run.
    const results = await Promise.allSettled(agents.slice(i, i + 50).map((a) => withTimeout(a.connect(), 60_000, "connect")));
    for (const r of results) {
      if (r.status === "fulfilled") continue;
      failed++;
      firstError ||= String(r.reason).split("\n")[0] ?? "";
    }
    await sleep(100); // ~500 connections a second: a reconnect storm, not a thundering herd
  }
  process.send?.({ type: "connected", ms: Date.now() - started, failed, firstError });
  let sent = 0;
  let nextPid = 100_000;
  const TICKS = 50; // per second: each agent acts once a second, spread over 50 ticks
  let tick = 0;
  const traceback = ["Traceback (most recent call last):", '  File "/srv/app/app.py", line 42, in handler', "    total = compute(order)", '  File "/srv/app/orders.py", line 7, in compute', "    return sum(i.price for i in order.items)", "AttributeError: 'NoneType' object has no attribute 'items'"];
  const timer = setInterval(() => {
    const phase = tick % TICKS;
    const second = Math.floor(tick / TICKS);
    tick++;
    for (let i = phase; i < agents.length; i += TICKS) {
      const a = agents[i];
      const app = a.apps[0] as SimApp;
      const slot = Math.floor(Math.random() * app.processes.length);
      const p = app.processes[slot];
      if (p.state === "RUNNING") {
        p.pid = nextPid++;
        p.startedAt = new Date().toISOString(); // the browser measures from this
        a.changeState(app, slot, "STARTING", "restart");
      } else a.changeState(app, slot, "RUNNING");
      // Output is produced at this rate everywhere but, as with the real agent, sent only for followed apps.
      if (a.logs(app, [`GET /orders/${i} 200 ${Math.round(Math.random() * 40)}ms`, `GET /static/app.css 304 1ms`, `POST /api/cart 201 ${Math.round(Math.random() * 90)}ms`])) sent++;
      sent += 2;
      if (Math.random() < 1 / 60 && a.logs(app, traceback, "err")) sent++;
      if ((second + i) % 10 === 0) {
        a.facts({ uptimeS: 1000 + second, loadAvg: [Math.random(), 0.5, 0.4], agentRssBytes: 60e6 + Math.round(Math.random() * 1e6) });
        sent++;
      }
    }
  }, 1000 / TICKS);
  let sentAtMeasure = 0;
  process.on("message", async (m: { type: string }) => {
    if (m.type === "measure") sentAtMeasure = sent;
    if (m.type === "windowEnd") process.send?.({ type: "window", sent: sent - sentAtMeasure });
    if (m.type !== "stop") return;
    clearInterval(timer);
    process.send?.({ type: "result", sent, requests: agents.reduce((n, a) => n + a.requests, 0) });
    await Promise.all(agents.map((a) => a.close()));
    process.exit(0);
  });
}

// ---------------------------------------------------------------- the browser and API poller (a child)

async function runBrowser(opts: Opts): Promise<void> {
  const lastChange = new Map<string, number>();
  let status: number[] = [];
  let events = 0;
  let logLines = 0;
  let api: number[] = [];
  let apiErrors = 0;
  let hosts: number[] = [];
  let hostErrors = 0;
  const u = new URL("ws/ui", `${opts.url}/`);
  u.protocol = "ws:";
  // Closed by the control plane (1013 "too slow": it could not write to this browser fast enough), the
  // browser reconnects as the dashboard does (components/live/live-client.ts) and the close is reported.
  const closes: string[] = [];
  let stopping = false;
  const connect = async (): Promise<void> => {
    const ws = new WebSocket(u, { headers: { cookie: opts.cookie }, perMessageDeflate: false });
    await new Promise((r, j) => {
      ws.once("open", r);
      ws.once("error", j);
    });
    ws.send(JSON.stringify({ type: "logs.follow", appId: opts.followAppId }));
    ws.on("error", () => {});
    ws.on("close", (code, reason) => {
      if (stopping) return;
      closes.push(`${code} ${String(reason)}`);
      console.error(`[bench browser] /ws/ui closed after ${events} events: ${code} ${String(reason)}; reconnecting`);
      const retry = () => void connect().catch(() => setTimeout(retry, 1000));
      setTimeout(retry, 500);
    });
    ws.on("message", onMessage);
    current = ws;
  };
  let current: WebSocket | null = null;
  const onMessage = (data: WebSocket.RawData) => {
    const e = JSON.parse(String(data)) as { type: string; status?: { appId: string; processes: { startedAt: string | null }[] }; lines?: unknown[] };
    events++;
    if (e.type === "logs.lines") logLines += e.lines?.length ?? 0;
    if (e.type !== "app.status" || !e.status) return;
    let changed = 0;
    for (const p of e.status.processes) if (p.startedAt) changed = Math.max(changed, Date.parse(p.startedAt));
    const before = lastChange.get(e.status.appId);
    lastChange.set(e.status.appId, changed);
    if (before !== undefined && changed > before) status.push(Date.now() - changed);
  };
  await connect();
  const timed = async (p: string): Promise<number | null> => {
    const t0 = performance.now();
    try {
      const res = await fetch(`${opts.url}/api/v1${p}`, { headers: { authorization: `Bearer ${opts.token}` }, signal: AbortSignal.timeout(30_000) });
      await res.arrayBuffer();
      return res.ok ? performance.now() - t0 : null;
    } catch {
      return null;
    }
  };
  let polling = true;
  const poll = async () => {
    while (polling) {
      const next = Date.now() + 1000;
      const a = await timed("/apps?limit=50");
      if (a === null) apiErrors++;
      else api.push(a);
      const h = await timed("/hosts?limit=50");
      if (h === null) hostErrors++;
      else hosts.push(h);
      await sleep(Math.max(0, next - Date.now()));
    }
  };
  void poll();
  process.on("message", (m: { type: string }) => {
    if (m.type === "measure") {
      status = [];
      api = [];
      hosts = [];
      apiErrors = hostErrors = events = logLines = 0;
      closes.length = 0;
    } else if (m.type === "stop") {
      polling = false;
      stopping = true;
      process.send?.({ type: "result", status: dist(status), api: dist(api, apiErrors), hosts: dist(hosts, hostErrors), events, logLines, closes: [...closes] });
      current?.close();
      setTimeout(() => process.exit(0), 200);
    }
  });
  process.send?.({ type: "ready" });
}

// ---------------------------------------------------------------- the dashboard in Chromium

/** Logs in, and screenshots the overview (first render), scrolled far down, and searched. */
async function screenshots(url: string, dir: string, n: number): Promise<{ firstCardMs: number; searchMs: number }> {
  mkdirSync(dir, { recursive: true });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(120_000);
    await page.goto(`${url}/login`, { timeout: 120_000 });
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel(/^Password/).fill(ADMIN.password);
    const t0 = Date.now();
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByTestId("app-card").first().waitFor({ timeout: 60_000 });
    const firstCardMs = Date.now() - t0;
    await sleep(1500);
    await page.screenshot({ path: path.join(dir, `overview-${n}.png`) });
    await page.locator("main").evaluate((m) => m.scrollBy(0, 40_000));
    await sleep(3000);
    await page.screenshot({ path: path.join(dir, `overview-${n}-scrolled.png`) });
    const t1 = Date.now();
    const last = `app-${String(n - 1).padStart(5, "0")}`;
    await page.getByTestId("app-search").fill(last);
    await page.locator(`[data-app="${last}"]`).waitFor({ timeout: 60_000 });
    const searchMs = Date.now() - t1;
    await sleep(1000);
    await page.screenshot({ path: path.join(dir, `overview-${n}-search.png`) });
    await page.goto(`${url}/hosts`);
    await page.getByTestId("host-row").first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(dir, `hosts-${n}.png`) });
    return { firstCardMs, searchMs };
  } finally {
    await browser.close();
  }
}

// ---------------------------------------------------------------- the orchestrator

function seed(dbFile: string, n: number): Seeded[] {
  const db = new Database(dbFile);
  const out: Seeded[] = [];
  const host = db.prepare("INSERT INTO Host (id, name, keyHash, facts, webTargets, createdAt) VALUES (?, ?, ?, '{}', '{}', ?)");
  const app = db.prepare("INSERT INTO App (id, name, hostId, spec, revision, desired, createdAt, updatedAt) VALUES (?, ?, ?, ?, 1, 'running', ?, ?)");
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const s: Seeded = { hostId: `simhost${i}`, hostKey: `stkh_${randomBytes(24).toString("base64url")}`, name: `sim-${String(i).padStart(5, "0")}`, appId: `simapp${i}` };
      const { hostId: _h, ...spec } = AppSpecSchema.parse({ name: `app-${String(i).padStart(5, "0")}`, hostId: s.hostId, command: ["/usr/bin/php-cgi"], processes: 20, socket: { path: `/run/stoker/app-${i}.sock` } });
      host.run(s.hostId, s.name, createHash("sha256").update(s.hostKey).digest("hex"), now);
      app.run(s.appId, spec.name, s.hostId, JSON.stringify(spec), now, now);
      out.push(s);
    }
  })();
  db.close();
  return out;
}

/** The same rows as seed(), into PostgreSQL (quoted names: Prisma's), a few hundred a statement. */
async function seedPg(url: string, n: number): Promise<Seeded[]> {
  const out: Seeded[] = [];
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const now = new Date();
    for (let i0 = 0; i0 < n; i0 += 500) {
      const hosts: unknown[] = [];
      const apps: unknown[] = [];
      for (let i = i0; i < Math.min(n, i0 + 500); i++) {
        const s: Seeded = { hostId: `simhost${i}`, hostKey: `stkh_${randomBytes(24).toString("base64url")}`, name: `sim-${String(i).padStart(5, "0")}`, appId: `simapp${i}` };
        const { hostId: _h, ...spec } = AppSpecSchema.parse({ name: `app-${String(i).padStart(5, "0")}`, hostId: s.hostId, command: ["/usr/bin/php-cgi"], processes: 20, socket: { path: `/run/stoker/app-${i}.sock` } });
        hosts.push(s.hostId, s.name, createHash("sha256").update(s.hostKey).digest("hex"), now);
        apps.push(s.appId, spec.name, s.hostId, JSON.stringify(spec), 1, "running", now, now);
        out.push(s);
      }
      const rows = (k: number, total: number) => Array.from({ length: total / k }, (_, r) => `(${Array.from({ length: k }, (_, c) => `$${r * k + c + 1}`).join(", ")})`).join(", ");
      await client.query(`INSERT INTO "Host" (id, name, "keyHash", "createdAt") VALUES ${rows(4, hosts.length)}`, hosts);
      await client.query(`INSERT INTO "App" (id, name, "hostId", spec, revision, desired, "createdAt", "updatedAt") VALUES ${rows(8, apps.length)}`, apps);
    }
  } finally {
    await client.end();
  }
  return out;
}

/** Rows written so far: PostgreSQL counts them (pg_stat_database); for SQLite, process events plus host rows. */
async function rowsWritten(setup: Setup, dbRef: string, probeHostWrites: number): Promise<number> {
  if (setup.db === "sqlite") {
    const db = new Database(dbRef, { readonly: true });
    try {
      return (db.prepare("SELECT count(*) AS n FROM ProcessEvent").get() as { n: number }).n + probeHostWrites;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: dbRef });
  await client.connect();
  try {
    const r = await client.query<{ n: string }>("SELECT tup_inserted + tup_updated + tup_deleted AS n FROM pg_stat_database WHERE datname = current_database()");
    return Number(r.rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

async function waitHealthy(url: string, server: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (server.exitCode !== null) throw new Error("the control plane exited while starting");
    if (await fetch(`${url}/api/v1/health`).then((r) => r.ok, () => false)) return;
    await sleep(100);
  }
  throw new Error("the control plane did not start");
}

function child(role: "agents" | "browser", opts: Opts): ChildProcess {
  return fork(path.join(ROOT, "bench/scale.ts"), [role, JSON.stringify(opts)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
}
/** The child's next message of `type`; rejected if the child exits first or nothing comes within `ms`. */
const next = <T>(c: ChildProcess, type: string, ms = 120_000) =>
  withTimeout(
    new Promise<T>((r, j) => {
      c.on("message", (m: { type: string }) => m.type === type && r(m as T));
      c.once("exit", (code) => j(new Error(`the ${type} message never came: the child exited (${code})`)));
    }),
    ms,
    `waiting for ${type}`,
  );

type Setup = { name: string; db: "sqlite" | "postgresql"; replicas: number };
const SETUPS: Record<string, Setup> = {
  sqlite: { name: "SQLite, 1 process", db: "sqlite", replicas: 1 },
  pg1: { name: "PostgreSQL, 1 replica", db: "postgresql", replicas: 1 },
  pg2: { name: "PostgreSQL, 2 replicas", db: "postgresql", replicas: 2 },
};
type Cluster = Awaited<ReturnType<typeof startTempPostgres>>;

async function runOnce(n: number, setup: Setup, cluster: Cluster | null, seconds: number, processes: number, cpuProfDir: string | null, shotsDir: string | null) {
  const dir = mkdtempSync(path.join(tmpdir(), "stoker-scale-"));
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production" as const, NEXT_TELEMETRY_DISABLED: "1", HOST: "127.0.0.1" };
  // Replicas share the keys (as documented for `npm run server`); each has a data dir of its own.
  Object.assign(env, { STOKER_AUDIT_KEY: randomBytes(32).toString("hex"), STOKER_SECRETS_KEY: randomBytes(32).toString("hex") });
  let dbRef = path.join(dir, "r0", "stoker.db");
  if (setup.db === "postgresql") {
    if (!cluster) throw new Error("no PostgreSQL cluster");
    const name = `scale_${randomBytes(4).toString("hex")}`;
    await withPg(cluster.url, (c) => c.query(`CREATE DATABASE ${name}`));
    dbRef = cluster.urlFor(name);
    env.DATABASE_URL = dbRef;
  } else env.DATABASE_URL = `file:${dbRef}`;
  mkdirSync(path.join(dir, "r0"), { recursive: true });
  const migrated = spawnSync(process.execPath, ["scripts/migrate.mjs", "deploy"], { cwd: ROOT, env: { ...env, STOKER_DATA_DIR: path.join(dir, "r0") }, stdio: "ignore" });
  if (migrated.status !== 0) throw new Error("migration failed");
  const seeded = setup.db === "sqlite" ? seed(dbRef, n) : await seedPg(dbRef, n);
  const agentsFile = path.join(dir, "agents.json");
  writeFileSync(agentsFile, JSON.stringify(seeded));
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
  const replicas: { url: string; server: ChildProcess; probeFile: string }[] = [];
  for (let r = 0; r < setup.replicas; r++) {
    const port = await freePort();
    const dataDir = path.join(dir, `r${r}`);
    mkdirSync(dataDir, { recursive: true });
    const probeFile = path.join(dir, `probe-${r}.jsonl`);
    const server = spawn(
      process.execPath,
      ["--import", "tsx", "--import", "./scripts/node-hooks.mjs", "--import", "./bench/scale-probe.mjs", ...(cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", cpuProfDir] : []), "server.ts"],
      { cwd: ROOT, env: { ...env, STOKER_DATA_DIR: dataDir, PORT: String(port), STOKER_ADMIN_EMAIL: ADMIN.email, STOKER_ADMIN_PASSWORD: ADMIN.password, SCALE_PROBE_FILE: probeFile }, stdio: ["ignore", "ignore", "inherit"] },
    );
    replicas.push({ url: `http://127.0.0.1:${port}`, server, probeFile });
    await waitHealthy(replicas[r].url, server); // one after the other: two starting at once race on the owner row
  }
  // The browser and the API on the last replica; the agents spread over all of them.
  const url = replicas[replicas.length - 1].url;
  let agents: ChildProcess | null = null;
  let browser: ChildProcess | null = null;
  try {
    const login = await fetch(`${url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) });
    const cookie = login.headers.get("set-cookie")?.split(";")[0] ?? "";
    const created = await fetch(`${url}/api/v1/tokens`, { method: "POST", headers: { "content-type": "application/json", cookie, "x-stoker-csrf": "1" }, body: JSON.stringify({ name: "bench" }) });
    const { token } = (await created.json()) as { token: string };
    const opts: Opts = { url, agentUrls: replicas.map((r) => r.url), agentsFile, processes, cookie, token, followAppId: seeded[0].appId };
    agents = child("agents", opts);
    const connected = await next<{ ms: number; failed: number; firstError: string }>(agents, "connected", 300_000);
    browser = child("browser", opts);
    await next(browser, "ready");
    await sleep(5000); // settle: syncs answered, first facts written
    const probes = () => replicas.map((r) => readFileSync(r.probeFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as ProbeLine));
    const hostWritesNow = () => probes().reduce((sum, p) => sum + (p.at(-1)?.hostWrites ?? 0), 0);
    const rows = () => withTimeout(rowsWritten(setup, dbRef, hostWritesNow()), 60_000, "counting rows").catch(() => Number.NaN);
    const rowsBefore = await rows();
    browser.send({ type: "measure" });
    agents.send({ type: "measure" });
    const from = Date.now();
    await sleep(seconds * 1000);
    const to = Date.now();
    const rowsAfter = await rows();
    const windowSent = next<{ sent: number }>(agents, "window");
    agents.send({ type: "windowEnd" });
    const inWindow = (await windowSent).sent;
    // After the window: a real browser's own CPU would otherwise be counted against the control plane.
    const shots = shotsDir ? await screenshots(url, shotsDir, n).catch((e: unknown) => ({ error: String(e).split("\n")[0] })) : null;
    const agentResult = next<{ sent: number; requests: number }>(agents, "result");
    const browserResult = next<{ status: Dist; api: Dist; hosts: Dist; events: number; logLines: number; closes: string[] }>(browser, "result");
    browser.send({ type: "stop" });
    agents.send({ type: "stop" });
    const [a, b] = await Promise.all([agentResult, browserResult]);
    const perReplica = probes().map((lines) => lines.filter((p) => p.t >= from && p.t <= to));
    const avg = (xs: number[]) => xs.reduce((sum, x) => sum + x, 0) / Math.max(1, xs.length);
    // SIGTERM flushes what the control plane holds (30 s at most, lib/shutdown.ts); a replica that does
    // not exit within 60 s is killed and said so.
    const stopNotes: string[] = [];
    for (const r of replicas) {
      const stopped = new Promise((res) => r.server.once("exit", res));
      r.server.kill("SIGTERM");
      await withTimeout(stopped, 60_000, "stop").catch(() => {
        stopNotes.push(`a replica did not stop within 60 s of SIGTERM (killed)`);
        r.server.kill("SIGKILL");
      });
    }
    const windowS = (to - from) / 1000;
    return {
      setup: setup.name,
      agents: n,
      processes: n * processes,
      connectS: connected.ms / 1000,
      connectFailed: connected.failed,
      connectError: connected.firstError,
      uiCloses: b.closes,
      stopNotes,
      msgsPerS: inWindow / windowS,
      sentTotal: a.sent,
      status: b.status,
      api: b.api,
      hosts: b.hosts,
      uiEventsPerS: b.events / windowS,
      // An empty probe (its 1 s timer never ran in the window: the loop was saturated) gives NaN: shown as "–".
      replicas: perReplica.map((probe) => (!probe.length ? { elu: Number.NaN, eluMax: Number.NaN, delayP99: Number.NaN, delayMax: Number.NaN, cpu: Number.NaN, rssMiB: Number.NaN } : {
        elu: avg(probe.map((p) => p.elu)),
        eluMax: Math.max(...probe.map((p) => p.elu)),
        delayP99: Math.max(...probe.map((p) => p.delayP99)),
        delayMax: Math.max(...probe.map((p) => p.delayMax)),
        cpu: avg(probe.map((p) => p.cpu)),
        rssMiB: Math.max(...probe.map((p) => p.rss)) / 2 ** 20,
      })),
      dbRowsPerS: (rowsAfter - rowsBefore) / windowS,
      // GET /apps as the control plane timed it (arrival to the response's end), and agent frames left queued.
      apiServer: dist(perReplica.flatMap((lines) => lines.flatMap((l) => l.apiServerMs ?? []))),
      inboxPendingMax: Math.max(0, ...perReplica.flatMap((lines) => lines.map((l) => l.inboxPending ?? 0))),
      loadAvg: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
      shots,
    };
  } finally {
    for (const c of [agents, browser]) if (c && c.exitCode === null) c.kill("SIGKILL");
    for (const r of replicas) if (r.server.exitCode === null) r.server.kill("SIGKILL");
    if (!process.argv.includes("--keep")) rmSync(dir, { recursive: true, force: true });
  }
}

async function withPg<T>(url: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const arg = (name: string, dflt: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? (process.argv[i + 1] ?? dflt) : dflt;
  };
  const counts = arg("--agents", "100,1000,3000").split(",").map(Number);
  const setups = arg("--setups", "sqlite,pg1,pg2").split(",").map((k) => {
    const s = SETUPS[k];
    if (!s) throw new Error(`--setups: one of ${Object.keys(SETUPS).join(", ")}, not ${k}`);
    return s;
  });
  const seconds = Number(arg("--seconds", "60"));
  const processes = Number(arg("--processes", "20"));
  const prof = process.argv.includes("--cpu-prof") ? path.resolve(arg("--cpu-prof", "scale-profiles")) : null;
  const shots = process.argv.includes("--screenshots") ? path.resolve(arg("--screenshots", "scale-screenshots")) : null;
  const cluster = setups.some((s) => s.db === "postgresql") ? await startTempPostgres({ durable: true }) : null;
  console.log(`load average at start: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
  console.log(`| agents × processes | setup | status → browser p50 / p99 / max (ms) | GET /apps?limit=50 p50 / p99 (ms) | GET /hosts?limit=50 p99 (ms) | event loop busy avg / max, per replica | loop delay p99 / max (ms) | CPU (cores), per replica | RSS (MiB), per replica | agent msgs/s | UI events/s | DB rows written/s | load avg | notes |`);
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  try {
    for (const n of counts) {
      for (const setup of setups) {
        // A setup that cannot carry the load still gives its row: what happened, then the next one.
        const r = await runOnce(n, setup, cluster, seconds, processes, prof, shots).catch((e: unknown) => e instanceof Error ? e : new Error(String(e)));
        if (r instanceof Error) {
          console.log(`| ${n.toLocaleString("en")} × ${processes} | ${setup.name} | did not finish: ${r.message.split("\n")[0]} |  |  |  |  |  |  |  |  |  | ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")} |  |`);
          continue;
        }
        type Replica = Awaited<ReturnType<typeof runOnce>>["replicas"][number];
        const each = <T>(f: (x: Replica) => T) => r.replicas.map(f).join(" + ");
        const notes = [
          `agents connected in ${round(r.connectS)} s`,
          `GET /apps as the control plane timed it p50 / p99 ${round(r.apiServer.p50)} / ${round(r.apiServer.p99)} ms`,
          ...(r.inboxPendingMax ? [`up to ${r.inboxPendingMax} agent frames queued`] : []),
          ...(r.connectFailed ? [`${r.connectFailed} agents failed to connect (${r.connectError})`] : []),
          ...(r.uiCloses.length ? [`the browser's /ws/ui was closed ${r.uiCloses.length}× (${[...new Set(r.uiCloses)].join(", ")}) and reconnected`] : []),
          ...r.stopNotes,
        ].join("; ");
        console.log(
          `| ${n.toLocaleString("en")} × ${processes} | ${r.setup} | ${round(r.status.p50)} / ${round(r.status.p99)} / ${round(r.status.max)} (n=${r.status.n}) | ${round(r.api.p50)} / ${round(r.api.p99)} (n=${r.api.n}${r.api.errors ? `, ${r.api.errors} failed` : ""}) | ${round(r.hosts.p99)} | ${each((x) => (Number.isNaN(x.elu) ? "saturated (no probe in the window)" : `${Math.round(x.elu * 100)}% / ${Math.round(x.eluMax * 100)}%`))} | ${each((x) => `${round(x.delayP99)} / ${round(x.delayMax)}`)} | ${each((x) => round(x.cpu))} | ${each((x) => round(x.rssMiB))} | ${Math.round(r.msgsPerS)} | ${Math.round(r.uiEventsPerS)} | ${round(r.dbRowsPerS)} | ${r.loadAvg} | ${notes} |`,
        );
        console.error(JSON.stringify(r));
      }
    }
  } finally {
    await cluster?.stop();
  }
}

const role = process.argv[2];
if (role === "agents") void runAgents(JSON.parse(process.argv[3] ?? "{}") as Opts);
else if (role === "browser") void runBrowser(JSON.parse(process.argv[3] ?? "{}") as Opts);
else await main();
