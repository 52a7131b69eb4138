// Two control-plane replicas on one PostgreSQL database (lib/replicas/): the agent dials replica A,
// the browser and the API use replica B. Restart, live status, log follow and a terminal work
// through B; the alert clock runs on one replica only (one probe per interval, one notification);
// when A dies under restart load the agent moves to B within 30 s, the audit chain holds one row
// per answered restart, every process transition the agent made is stored exactly once (its
// sequence numbers 1..n, no gap, no twin), and B takes over the alert clock.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import WebSocket from "ws";
import type { NginxFront } from "./support/nginx-front";
import { startNginxBalancer } from "./support/nginx-balancer";
import { ADMIN, appPids, freePort, ownerToken, type Stack, startStack, stopKeeper, waitUntil } from "./support/stack";
import { type TestDb, testDb } from "./support/test-db";

const ROOT = path.resolve(import.meta.dirname, "..");
const keys = { STOKER_AUDIT_KEY: randomBytes(32).toString("hex"), STOKER_SECRETS_KEY: randomBytes(32).toString("hex") };
// Both replicas run the alert clock often and try for the leader lock often, so a test sees it soon;
// a replica's log follow is a 4 s lease on the agent, renewed every second.
const clock = { STOKER_ALERT_TICK_MS: "300", STOKER_LEADER_POLL_MS: "500", STOKER_FOLLOW_LEASE_MS: "4000", STOKER_FOLLOW_RENEW_MS: "1000" };
type ApiApp = { id: string; name: string; host: { id: string; online: boolean }; processes: { pid: number; state: string }[] };

let db: TestDb;
let a: Stack;
let bUrl = "";
let lb: NginxFront | null = null; // a real nginx with both replicas upstream, round robin
let bDir = "";
let b: ChildProcess | null = null;
let token = "";
let app: ApiApp;
const orphans: number[] = [];
// The uptime check's target (always 500) and the webhook channel: what each replica sent, and when.
let receiver: Server;
let receiverBase = "";
const probes: number[] = [];
const notified: { status: string; event: string }[] = [];

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

async function api<T = unknown>(method: string, p: string, body?: unknown, base = bUrl): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}/api/v1${p}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => null)) as T };
}

/** A replica without an agent (`npm run server`): its own data dir, the same database and keys. */
async function startReplica(port: number, dir: string): Promise<{ proc: ChildProcess; url: string }> {
  let output = "";
  const proc = spawn(process.execPath, ["scripts/start.mjs", "--no-agent"], {
    cwd: ROOT,
    env: { ...process.env, ...db.env, ...keys, ...clock, PORT: String(port), STOKER_DATA_DIR: dir, STOKER_ADMIN_EMAIL: ADMIN.email, STOKER_ADMIN_PASSWORD: ADMIN.password },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  proc.stdout?.on("data", (d) => (output += d));
  proc.stderr?.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${url}/api/v1/health`).catch(() => null))?.ok, 120_000, `a replica at ${url} to answer; its output:\n${output}`);
  return { proc, url };
}

/**
 * What A relays on the bus: live log lines of the app reach A only while the agent's tail is on.
 * `of(pids)`: relayed batches of the app's lines with a line of those processes (their status
 * events, relayed too, name their pids and are not the tail).
 */
async function relayedLines(): Promise<{ of(pids: number[]): number; end(): Promise<void> }> {
  const bus = new pg.Client({ connectionString: db.url });
  await bus.connect();
  await bus.query("LISTEN stoker_replicas");
  const payloads: string[] = [];
  bus.on("notification", (n) => {
    // A notification carries several messages, one a line: only the app's log batches are the tail.
    for (const m of n.payload?.split("\n") ?? []) if (m.includes('"logs.lines"') && m.includes(app.id)) payloads.push(m);
  });
  const of = (pids: number[]) => payloads.filter((p) => pids.some((pid) => p.includes(`"pid":${pid},`) || p.includes(`demo app ${pid} listening`))).length;
  return { of, end: () => bus.end() };
}

/**
 * Restarts the app and returns its new pids once each one's first line ("demo app N listening") is
 * stored on the agent (read back through B). A live tail that was on would have sent those lines
 * at once; whether it did is then read from `relayedLines().of(pids)`, which no line from before
 * the restart (relayed late on a loaded machine) can count towards.
 */
async function restartAndStore(): Promise<number[]> {
  const res = await api<{ processes: { pid: number }[] }>("POST", `/apps/${app.id}/restart`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const pids = res.body.processes.map((p) => p.pid);
  expect(pids.length).toBeGreaterThan(0);
  await waitUntil(
    async () => {
      const page = await api<{ lines: { text: string }[] }>("GET", `/apps/${app.id}/logs?q=listening&limit=1000`);
      return page.status === 200 && pids.every((pid) => page.body.lines.some((l) => l.text.includes(`demo app ${pid} listening`)));
    },
    20_000,
    `the first lines of ${pids.join(", ")} stored`,
  );
  return pids;
}

/** How long a line the agent sent (15 ms batches) takes at most to be relayed through A on the bus, with room for load. */
const RELAY_GRACE_MS = 2500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** B's /ws/ui: every event it gets, and a way to send. */
async function uiSocket(base = bUrl): Promise<{ ws: WebSocket; events: Record<string, unknown>[] }> {
  const ws = new WebSocket(`${base.replace("http", "ws")}/ws/ui`, { headers: { authorization: `Bearer ${token}` } });
  const events: Record<string, unknown>[] = [];
  ws.on("message", (d) => events.push(JSON.parse(String(d)) as Record<string, unknown>));
  await new Promise((res, rej) => {
    ws.once("open", res);
    ws.once("error", rej);
  });
  return { ws, events };
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    if (req.method === "GET") {
      probes.push(Date.now());
      return void res.writeHead(500).end("down");
    }
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      notified.push(JSON.parse(raw) as { status: string; event: string });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const aDir = mkdtempSync(path.join(tmpdir(), "stoker-replica-a-"));
  db = await testDb(aDir);
  const bPort = await freePort();
  bUrl = `http://127.0.0.1:${bPort}`;
  // A: control plane with the local agent (and demo app), which also knows B's URL.
  a = await startStack({ ...keys, ...clock, STOKER_CONTROL_URLS: bUrl }, "", { dataDir: aDir, db });
  // B: a replica alone (`npm run server`), its own data dir, the same database and keys.
  bDir = mkdtempSync(path.join(tmpdir(), "stoker-replica-b-"));
  const replicaB = await startReplica(bPort, bDir);
  b = replicaB.proc;
  token = await ownerToken(bUrl);
  app = await waitUntil(async () => {
    const list = (await api<ApiApp[]>("GET", "/apps")).body;
    return list?.[0]?.host.online && list[0].processes.length > 0 && list[0].processes.every((p) => p.state === "RUNNING") ? list[0] : null;
  }, 60_000, "the demo app running, as seen from B");
  lb = await startNginxBalancer([new URL(a.url).host, new URL(bUrl).host]);
}, 300_000);

afterAll(async () => {
  receiver?.close();
  await lb?.stop();
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
  it("restarts the app through B, and B's browsers (and one through nginx) see its live status", async () => {
    const ui = await uiSocket();
    const viaLb = await uiSocket((lb as NginxFront).url);
    const res = await api<{ processes: { pid: number }[] }>("POST", `/apps/${app.id}/restart`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const old = app.processes.map((p) => p.pid);
    expect(res.body.processes.length).toBeGreaterThan(0);
    for (const p of res.body.processes) expect(old).not.toContain(p.pid);
    await waitUntil(async () => ui.events.some((e) => e.type === "app.status" && (e.status as { appId: string }).appId === app.id), 15_000, "an app.status event on B");
    await waitUntil(async () => viaLb.events.some((e) => e.type === "app.status" && (e.status as { appId: string }).appId === app.id), 15_000, "an app.status event through nginx");
    ui.ws.close();
    viaLb.ws.close();
  });

  it("shows the app's metrics on B, which A's agent pushed to A (the leader's alert rules read the same store)", async () => {
    // The agent samples every 10 s: within two intervals A has one, and relays it to B.
    const recent = await waitUntil(
      async () => {
        const res = await api<Record<string, { t: number[] }>>("GET", "/metrics/recent");
        return res.status === 200 && (res.body[app.id]?.t.length ?? 0) > 0 ? res.body[app.id] : null;
      },
      25_000,
      "the app's samples on B",
    );
    expect(recent.t.every((t) => t > Date.now() - 60_000)).toBe(true);
  });

  it("follows the app's log through B", async () => {
    const ui = await uiSocket();
    ui.ws.send(JSON.stringify({ type: "logs.follow", appId: app.id }));
    await waitUntil(async () => ui.events.some((e) => e.type === "logs.lines"), 15_000, "log lines on B");
    ui.ws.close();
  });

  it("keeps the agent's tail on while a browser on B follows after A's left, and stops it when B's tab closes", async () => {
    const relayed = await relayedLines();
    const follow = JSON.stringify({ type: "logs.follow", appId: app.id });
    const onA = await uiSocket(a.url);
    const onB = await uiSocket();
    onA.ws.send(follow);
    onB.ws.send(follow);
    const lines = (ui: { events: Record<string, unknown>[] }, from = 0) => ui.events.slice(from).filter((e) => e.type === "logs.lines" && (e.lines as unknown[]).length > 0).length;
    await waitUntil(async () => lines(onA) > 0 && lines(onB) > 0, 15_000, "the catch-up on A and on B");
    // A's browser leaves: B's still follows, so the tail stays on (one replica's off is not another's).
    onA.ws.close();
    await sleep(1500); // A's "off" reaches the agent (were it to stop the tail, B would get no lines below)
    const mark = onB.events.length;
    expect((await api("POST", `/apps/${app.id}/restart`)).status).toBe(200);
    await waitUntil(async () => lines(onB, mark) > 0, 15_000, "live lines on B after A's browser left");
    // B's tab closes: the last follower, on the replica without the agent; the tail stops on the agent.
    // B's "off" and the restart below take the same way to the agent (B, the bus, A), in that order.
    const closed = new Promise((r) => onB.ws.once("close", r));
    onB.ws.close();
    await closed;
    await sleep(1500); // B's server side of the close
    const pids = await restartAndStore();
    await sleep(RELAY_GRACE_MS);
    await relayed.end();
    // Only the new processes' lines count: a line of the earlier restart relayed late is not the tail.
    expect(relayed.of(pids)).toBe(0);
  });

  it("turns the agent's tail off when a replica dies while its browser follows (the follow's lease runs out)", async () => {
    const cDir = mkdtempSync(path.join(tmpdir(), "stoker-replica-c-"));
    const c = await startReplica(await freePort(), cDir);
    const relayed = await relayedLines();
    try {
      const onC = await uiSocket(c.url);
      onC.ws.send(JSON.stringify({ type: "logs.follow", appId: app.id }));
      await waitUntil(async () => onC.events.some((e) => e.type === "logs.lines"), 15_000, "the catch-up on C");
      // C renews its follow: after more than a lease, the tail is still on.
      await sleep(5000);
      const following = await restartAndStore();
      await waitUntil(async () => relayed.of(following) > 0, 15_000, "live lines while C follows");
      // C dies with its browser still following: nobody says "off"; the lease (4 s) runs out on the
      // agent. A renew C sent just before it died may reach the agent late on a loaded machine, so
      // restarts are tried until one's lines are not relayed: a follow with no lease never ends.
      process.kill(-(c.proc.pid as number), "SIGKILL");
      const killedAt = Date.now();
      await sleep(4000);
      const tries: number[] = [];
      await waitUntil(
        async () => {
          const pids = await restartAndStore();
          await sleep(RELAY_GRACE_MS);
          tries.push(relayed.of(pids));
          return relayed.of(pids) === 0;
        },
        30_000,
        "a restart whose lines are not relayed after C died",
        0,
      );
      console.log(`tail off after C died: ${Date.now() - killedAt} ms, relayed per restart ${tries.join(", ")}`);
    } finally {
      await relayed.end();
      try {
        process.kill(-(c.proc.pid as number), "SIGKILL");
      } catch {
        // gone
      }
      rmSync(cDir, { recursive: true, force: true });
    }
  }, 90_000);

  it("opens a terminal through B and types into it", async () => {
    const opened = await api<{ id: string }>("POST", `/apps/${app.id}/debug-sessions`, { user: "www-data" });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const ui = await uiSocket();
    ui.ws.send(JSON.stringify({ type: "pty.attach", sessionId: opened.body.id }));
    const marker = `replica-${randomBytes(4).toString("hex")}`;
    ui.ws.send(JSON.stringify({ type: "pty.input", sessionId: opened.body.id, data: `echo ${marker}\n` }));
    await waitUntil(async () => ui.events.some((e) => e.type === "pty.output" && String(e.data).includes(marker)), 20_000, "the terminal's echo on B");
    // The shell ends on the agent (on A): B's browser is told why, and B records the end once.
    ui.ws.send(JSON.stringify({ type: "pty.input", sessionId: opened.body.id, data: "exit\n" }));
    const exit = await waitUntil(async () => ui.events.find((e) => e.type === "pty.exit" && e.sessionId === opened.body.id), 20_000, "pty.exit on B");
    expect(exit.reason).toBe("exit");
    const row = await waitUntil(async () => (await db.sql<{ endReason: string }>(`SELECT "endReason" FROM "DebugSession" WHERE id = $1 AND "endedAt" IS NOT NULL`, opened.body.id))[0], 15_000, "the session recorded as ended");
    expect(row.endReason).toBe("exit");
    await new Promise((r) => setTimeout(r, 1000));
    const audits = await db.sql<{ n: string }>(`SELECT count(*) AS n FROM "AuditEvent" WHERE action = 'debug.session.closed' AND after LIKE $1`, `%${opened.body.id}%`);
    expect(Number(audits[0].n)).toBe(1);
    ui.ws.close();
  });

  it("runs the alert clock on one replica: one probe per interval, one notification", async () => {
    const hook = await api<{ id: string }>("POST", "/notifications/channels", { name: "replica hook", kind: "webhook", url: `${receiverBase}/hook` });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const rule = await api("POST", "/notifications/rules", { name: "replica site down", event: "app.uptime.failed", channelIds: [hook.body.id], appId: app.id, params: {} });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    const check = await api("POST", "/notifications/uptime-checks", { appId: app.id, url: `${receiverBase}/probe`, intervalSec: 5, timeoutMs: 2000 });
    expect(check.status, JSON.stringify(check.body)).toBe(201);
    // Three probes (two intervals), however slow the machine: a count in a fixed time depends on its speed.
    await waitUntil(async () => probes.length >= 3, 40_000, "three probes");
    // Both replicas' clocks would probe each interval (two probes close together, a gap of at most a
    // tick, 300 ms) and could both notify. A probe's arrival is its tick plus the tick's own database
    // read and request, which a loaded machine delays: a gap has that much slack, their mean less.
    const seen = probes.slice();
    const gaps = seen.slice(1).map((t, i) => t - seen[i]);
    console.log(`uptime probes ${seen.length}, gaps ${gaps.join(", ")} ms`);
    for (const gap of gaps) expect(gap).toBeGreaterThan(2500);
    expect((seen.at(-1)! - seen[0]) / (seen.length - 1)).toBeGreaterThan(4000);
    expect(notified.filter((n) => n.event === "app.uptime.failed" && n.status === "firing")).toHaveLength(1);
  }, 60_000);

  it("moves the agent to B within 30 s when A dies under restart load, and audits each answered restart once", async () => {
    const startPid = a.startPid();
    expect(startPid).not.toBeNull();
    const server = childrenOf(startPid as number, /server\.ts/);
    orphans.push(...childrenOf(startPid as number, /agent/));
    const restartsAudited = async () => Number((await db.sql<{ n: string }>(`SELECT count(*) AS n FROM "AuditEvent" WHERE action = 'app.restart' AND result = 'success'`))[0].n);
    const before = await restartsAudited(); // the earlier tests' restarts
    // The load goes through nginx: half of it to A itself, half to B (which routes it to A).
    const front = (lb as NginxFront).url;
    let answered = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) {
        const r = await api("POST", `/apps/${app.id}/restart`, undefined, front).catch(() => ({ status: 0 }));
        if (r.status === 200) answered++;
      }
    })();
    await new Promise((r) => setTimeout(r, 3000));
    process.kill(startPid as number, "SIGKILL"); // npm start first, or it starts the control plane again
    for (const pid of server) process.kill(pid, "SIGKILL");
    const killedAt = Date.now();
    // A refused connection is retried on the other replica by nginx: reads never see A's death.
    for (let i = 0; i < 4; i++) expect((await api("GET", "/apps?limit=5", undefined, front)).status).toBe(200);
    // Online again once the agent holds a socket on B (B's own hub: no presence from A anymore).
    await waitUntil(async () => {
      const r = await api("POST", `/apps/${app.id}/restart`, undefined, front);
      return r.status === 200;
    }, 30_000, "a restart through nginx after A died");
    const movedMs = Date.now() - killedAt;
    await new Promise((r) => setTimeout(r, 3000));
    stop = true;
    await load;
    answered++; // the one in waitUntil
    console.log(`agent moved to B ${movedMs} ms after A died; ${answered} restarts answered`);
    expect(movedMs).toBeLessThan(30_000);
    // The one restart in flight to A when it died may have been carried out and audited there
    // without its answer reaching the client (never more, never less).
    const audited = (await restartsAudited()) - before;
    expect(audited).toBeGreaterThanOrEqual(answered);
    expect(audited).toBeLessThanOrEqual(answered + 1);
    const verify = await api<{ ok: boolean }>("GET", "/audit/verify");
    expect(verify.body.ok).toBe(true);

    // Every transition the agent made, stored once: what A received but had not written (or wrote
    // but had not acknowledged) when it died was resent to B, which stores each (boot, seq) once.
    const running = await waitUntil(async () => {
      const now = (await api<ApiApp>("GET", `/apps/${app.id}`)).body;
      const pids = now.processes.filter((p) => p.state === "RUNNING").map((p) => p.pid);
      if (!pids.length) return null;
      const rows = await db.sql<{ pid: number }>(`SELECT DISTINCT pid FROM "ProcessEvent" WHERE "appId" = $1 AND "to" = 'RUNNING' AND pid = ANY($2::int[])`, app.id, pids);
      return rows.length === pids.length ? pids : null;
    }, 20_000, "the running processes' transitions stored");
    const runs = await db.sql<{ source: string | null; n: string; d: string; lo: number; hi: number }>(
      `SELECT source, count(*) AS n, count(DISTINCT seq) AS d, min(seq) AS lo, max(seq) AS hi FROM "ProcessEvent" GROUP BY source`,
    );
    console.log(`stored transitions per agent run: ${JSON.stringify(runs)}; running pids ${running.join(",")}`);
    expect(runs).toHaveLength(1); // one agent run, and no row without a sequence number
    expect(runs[0].source).not.toBeNull();
    expect(runs[0].lo).toBe(1);
    expect(Number(runs[0].n)).toBe(runs[0].hi); // no gap: nothing lost
    expect(Number(runs[0].d)).toBe(runs[0].hi); // no twin: nothing stored twice
    const twins = await db.sql<{ n: string }>(`SELECT count(*) AS n FROM (SELECT pid, "from", "to", at FROM "ProcessEvent" GROUP BY pid, "from", "to", at HAVING count(*) > 1) t`);
    expect(Number(twins[0].n)).toBe(0);

    // The alert clock moved with the lock: B probes now that A (the first leader) is gone.
    const since = Date.now();
    await waitUntil(async () => probes.some((t) => t > since), 15_000, "a probe by B after A died");
  });
});
