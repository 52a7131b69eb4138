// Two control-plane replicas on one PostgreSQL database (lib/replicas/): the agent dials replica A,
// the browser and the API use replica B. Restart, live status, log follow and a terminal work
// through B; when A dies under restart load the agent moves to B within 30 s, and the audit chain
// holds one row per answered restart.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ADMIN, appPids, freePort, ownerToken, type Stack, startStack, stopKeeper, waitUntil } from "./support/stack";
import { type TestDb, testDb } from "./support/test-db";

const ROOT = path.resolve(import.meta.dirname, "..");
const keys = { STOKER_AUDIT_KEY: randomBytes(32).toString("hex"), STOKER_SECRETS_KEY: randomBytes(32).toString("hex") };
type ApiApp = { id: string; name: string; host: { id: string; online: boolean }; processes: { pid: number; state: string }[] };

let db: TestDb;
let a: Stack;
let bUrl = "";
let bDir = "";
let b: ChildProcess | null = null;
let bOutput = "";
let token = "";
let app: ApiApp;
const orphans: number[] = [];

/** Children of a pid whose command line matches. */
function childrenOf(ppid: number, match: RegExp): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === ppid && match.test(readFileSync(`/proc/${e}/cmdline`, "latin1"))) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

async function api<T = unknown>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${bUrl}/api/v1${p}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => null)) as T };
}

/** B's /ws/ui: every event it gets, and a way to send. */
async function uiSocket(): Promise<{ ws: WebSocket; events: Record<string, unknown>[] }> {
  const ws = new WebSocket(`${bUrl.replace("http", "ws")}/ws/ui`, { headers: { authorization: `Bearer ${token}` } });
  const events: Record<string, unknown>[] = [];
  ws.on("message", (d) => events.push(JSON.parse(String(d)) as Record<string, unknown>));
  await new Promise((res, rej) => {
    ws.once("open", res);
    ws.once("error", rej);
  });
  return { ws, events };
}

beforeAll(async () => {
  const aDir = mkdtempSync(path.join(tmpdir(), "stoker-replica-a-"));
  db = await testDb(aDir);
  const bPort = await freePort();
  bUrl = `http://127.0.0.1:${bPort}`;
  // A: control plane with the local agent (and demo app), which also knows B's URL.
  a = await startStack({ ...keys, STOKER_CONTROL_URLS: bUrl }, "", { dataDir: aDir, db });
  // B: a replica alone (`npm run server`), its own data dir, the same database and keys.
  bDir = mkdtempSync(path.join(tmpdir(), "stoker-replica-b-"));
  b = spawn(process.execPath, ["scripts/start.mjs", "--no-agent"], {
    cwd: ROOT,
    env: { ...process.env, ...db.env, ...keys, PORT: String(bPort), STOKER_DATA_DIR: bDir, STOKER_ADMIN_EMAIL: ADMIN.email, STOKER_ADMIN_PASSWORD: ADMIN.password },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  b.stdout?.on("data", (d) => (bOutput += d));
  b.stderr?.on("data", (d) => (bOutput += d));
  await waitUntil(async () => (await fetch(`${bUrl}/api/v1/health`).catch(() => null))?.ok, 120_000, `replica B to answer; its output:\n${bOutput}`);
  token = await ownerToken(bUrl);
  app = await waitUntil(async () => {
    const list = (await api<ApiApp[]>("GET", "/apps")).body;
    return list?.[0]?.host.online && list[0].processes.length > 0 && list[0].processes.every((p) => p.state === "RUNNING") ? list[0] : null;
  }, 60_000, "the demo app running, as seen from B");
}, 300_000);

afterAll(async () => {
  if (b?.pid) {
    try {
      process.kill(-b.pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  // Not a.destroy(): it waits for an `npm start` the last test SIGKILLed. Everything by pid instead.
  const startPid = a?.startPid();
  if (startPid) {
    orphans.push(...childrenOf(startPid, /agent|server\.ts/), startPid);
  }
  for (const pid of orphans) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  if (a) {
    stopKeeper(path.join(a.dataDir, "agent"));
    for (const pid of appPids(a.dataDir)) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    rmSync(a.dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
  rmSync(bDir, { recursive: true, force: true });
  await db?.drop();
}, 60_000);

describe("two replicas, the agent on A, the browser and the API on B", () => {
  it("restarts the app through B, and B's browsers see its live status", async () => {
    const ui = await uiSocket();
    const res = await api<{ processes: { pid: number }[] }>("POST", `/apps/${app.id}/restart`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const old = app.processes.map((p) => p.pid);
    expect(res.body.processes.length).toBeGreaterThan(0);
    for (const p of res.body.processes) expect(old).not.toContain(p.pid);
    await waitUntil(async () => ui.events.some((e) => e.type === "app.status" && (e.status as { appId: string }).appId === app.id), 15_000, "an app.status event on B");
    ui.ws.close();
  });

  it("follows the app's log through B", async () => {
    const ui = await uiSocket();
    ui.ws.send(JSON.stringify({ type: "logs.follow", appId: app.id }));
    await waitUntil(async () => ui.events.some((e) => e.type === "logs.lines"), 15_000, "log lines on B");
    ui.ws.close();
  });

  it("opens a terminal through B and types into it", async () => {
    const opened = await api<{ id: string }>("POST", `/apps/${app.id}/debug-sessions`, { user: "www-data" });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const ui = await uiSocket();
    ui.ws.send(JSON.stringify({ type: "pty.attach", sessionId: opened.body.id }));
    const marker = `replica-${randomBytes(4).toString("hex")}`;
    ui.ws.send(JSON.stringify({ type: "pty.input", sessionId: opened.body.id, data: `echo ${marker}\n` }));
    await waitUntil(async () => ui.events.some((e) => e.type === "pty.output" && String(e.data).includes(marker)), 20_000, "the terminal's echo on B");
    ui.ws.send(JSON.stringify({ type: "pty.close", sessionId: opened.body.id }));
    ui.ws.close();
  });

  it("moves the agent to B within 30 s when A dies under restart load, and audits each answered restart once", async () => {
    const startPid = a.startPid();
    expect(startPid).not.toBeNull();
    const server = childrenOf(startPid as number, /server\.ts/);
    orphans.push(...childrenOf(startPid as number, /agent/));
    let answered = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) {
        const r = await api("POST", `/apps/${app.id}/restart`).catch(() => ({ status: 0 }));
        if (r.status === 200) answered++;
      }
    })();
    await new Promise((r) => setTimeout(r, 3000));
    process.kill(startPid as number, "SIGKILL"); // npm start first, or it starts the control plane again
    for (const pid of server) process.kill(pid, "SIGKILL");
    const killedAt = Date.now();
    // Online again once the agent holds a socket on B (B's own hub: no presence from A anymore).
    await waitUntil(async () => {
      const r = await api("POST", `/apps/${app.id}/restart`);
      return r.status === 200;
    }, 30_000, "a restart through B after A died");
    const movedMs = Date.now() - killedAt;
    await new Promise((r) => setTimeout(r, 3000));
    stop = true;
    await load;
    answered++; // the one in waitUntil
    console.log(`agent moved to B ${movedMs} ms after A died; ${answered} restarts answered`);
    expect(movedMs).toBeLessThan(30_000);
    const rows = await db.sql<{ n: string }>(`SELECT count(*) AS n FROM "AuditEvent" WHERE action = 'app.restart' AND result = 'success'`);
    expect(Number(rows[0].n)).toBe(answered + 1); // + the first test's restart
    const verify = await api<{ ok: boolean }>("GET", "/audit/verify");
    expect(verify.body.ok).toBe(true);
  });
});
