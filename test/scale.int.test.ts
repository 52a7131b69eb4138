// The single process at scale (DESIGN 13), on the real stack with a simulated agent speaking the
// real protocol: SQLite in WAL mode, facts written only when they changed and in batches, a token's
// last use written at most once per interval, batched writes flushed at shutdown, and paged, filtered
// list routes whose pages do not shift when apps are added.
import path from "node:path";
import Database from "better-sqlite3";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppView, HostView } from "@/lib/protocol";
import { TRUNCATED_HEADER } from "@/lib/protocol/list-query";

type AppPage = { items: AppView[]; nextCursor: string | null };
import { SimAgent, simProcesses } from "./support/sim-agent";
import { ownerToken, type Stack, startStack, waitUntil } from "./support/stack";

let stack: Stack;
let token: string;
let sim: SimAgent;
let hostId: string;
let sqlite: Database.Database;
const auth = () => ({ authorization: `Bearer ${token}` });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FLUSHED_MS = 3500; // host facts are written behind every 2 s: wait longer than that

async function api<T>(p: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${stack.url}/api/v1${p}`, {
    method: init.method ?? "GET",
    headers: { ...auth(), ...(init.body ? { "content-type": "application/json" } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

async function createApp(name: string): Promise<string> {
  const spec = { name, hostId, command: ["/bin/true"], socket: { path: path.join(stack.dataDir, "run", `${name}.sock`) } };
  const res = await api<{ id: string }>("/apps", { method: "POST", body: spec });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

/** Counts the rows the control plane writes, with triggers in the real database file. */
function countWrites(): void {
  sqlite.exec(`
    CREATE TABLE IF NOT EXISTS test_writes (what TEXT NOT NULL);
    CREATE TRIGGER IF NOT EXISTS test_host_writes AFTER UPDATE ON Host WHEN NEW.id = '${hostId}' BEGIN INSERT INTO test_writes VALUES ('host'); END;
    CREATE TRIGGER IF NOT EXISTS test_token_writes AFTER UPDATE OF lastUsedAt ON ApiToken BEGIN INSERT INTO test_writes VALUES ('token'); END;`);
}
const writes = (what: string) => (sqlite.prepare("SELECT count(*) AS n FROM test_writes WHERE what = ?").get(what) as { n: number }).n;
const resetWrites = () => sqlite.exec("DELETE FROM test_writes");
const storedFacts = () => JSON.parse((sqlite.prepare("SELECT facts FROM Host WHERE id = ?").get(hostId) as { facts: string }).facts) as Record<string, unknown>;

beforeAll(async () => {
  stack = await startStack();
  sqlite = new Database(path.join(stack.dataDir, "stoker.db"));
  token = await ownerToken(stack.url);
  const join = await api<{ token: string }>("/hosts/join-tokens", { method: "POST" });
  const enrolled = await fetch(`${stack.url}/api/v1/agents/enroll`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token: join.body.token, name: "sim-host" }),
  });
  const { hostId: id, hostKey } = (await enrolled.json()) as { hostId: string; hostKey: string };
  hostId = id;
  sim = new SimAgent(stack.url, hostKey, "sim-host", []);
  await sim.connect();
  countWrites();
}, 240_000);

afterAll(async () => {
  await sim?.close();
  sqlite?.close();
  await stack?.destroy();
});

describe("the control plane's database", () => {
  it("is in WAL mode", () => {
    expect(sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
  });
});

describe("paged list routes", () => {
  const names = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"];
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    for (const n of names) ids[n] = await createApp(`pg-${n}`);
  }, 120_000);

  it("pages by limit and cursor in name order, and a page boundary survives inserts before and after it", async () => {
    const first = await api<AppPage>("/apps?limit=3&q=pg-");
    expect(first.status).toBe(200);
    expect(first.body.items.map((a) => a.name)).toEqual(["pg-alpha", "pg-bravo", "pg-charlie"]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    // Inserted after the first page was read: one sorts before the cursor, one after it.
    await createApp("pg-aaa");
    await createApp("pg-delta2");
    const second = await api<AppPage>(`/apps?limit=3&q=pg-&cursor=${encodeURIComponent(first.body.nextCursor ?? "")}`);
    expect(second.body.items.map((a) => a.name)).toEqual(["pg-delta", "pg-delta2", "pg-echo"]);
    const third = await api<AppPage>(`/apps?limit=3&q=pg-&cursor=${encodeURIComponent(second.body.nextCursor ?? "")}`);
    expect(third.body.items.map((a) => a.name)).toEqual(["pg-foxtrot", "pg-golf"]);
    expect(third.body.nextCursor).toBeNull();
  });

  it("filters by a case-insensitive part of the app's or the host's name", async () => {
    const byApp = await api<AppPage>("/apps?limit=50&q=ECHO");
    expect(byApp.body.items.map((a) => a.name)).toEqual(["pg-echo"]);
    const byHost = await api<AppPage>("/apps?limit=50&q=sim-host");
    expect(byHost.body.items.length).toBe(names.length + 2);
    const hosts = await api<{ items: HostView[]; nextCursor: string | null }>("/hosts?limit=1&q=SIM");
    expect(hosts.body.items.map((h) => h.name)).toEqual(["sim-host"]);
    expect(hosts.body.nextCursor).toBeNull();
  });

  it("keeps the old unpaged array without limit (CLI and older clients), filtered by q, with no truncation", async () => {
    const apps = await api<{ name: string }[]>("/apps");
    expect(Array.isArray(apps.body)).toBe(true);
    expect(apps.body.map((a) => a.name)).toEqual(expect.arrayContaining(names.map((n) => `pg-${n}`)));
    expect(apps.headers.get(TRUNCATED_HEADER)).toBeNull();
    const filtered = await api<{ name: string }[]>("/apps?q=golf");
    expect(filtered.body.map((a) => a.name)).toEqual(["pg-golf"]);
    const hosts = await api<HostView[]>("/hosts");
    expect(Array.isArray(hosts.body)).toBe(true);
    expect(hosts.body.map((h) => h.name)).toContain("sim-host");
  });

  it("refuses a cursor it did not give out, a cursor without limit and a limit out of range", async () => {
    expect((await api("/apps?limit=5&cursor=bm9wZQ")).status).toBe(400);
    expect((await api("/apps?cursor=abc")).status).toBe(400);
    expect((await api("/hosts?limit=0")).status).toBe(400);
    expect((await api("/hosts?limit=501")).status).toBe(400);
  });
});

describe("an agent's status on its way to browsers", () => {
  it("reaches a browser as one event with the latest status for a burst of frames, and an unchanged status not again; every transition is stored", async () => {
    const appId = await createApp("pg-burst");
    const app = { appId, revision: 1, processes: simProcesses(3) };
    sim.apps.push(app);
    const ui = new WebSocket(`${stack.url.replace(/^http/, "ws")}/ws/ui`, { headers: auth() });
    const seen: { processes: { state: string }[] }[] = [];
    ui.on("message", (data) => {
      const e = JSON.parse(String(data)) as { type: string; status?: { appId: string; processes: { state: string }[] } };
      if (e.type === "app.status" && e.status?.appId === appId) seen.push(e.status);
    });
    await new Promise((resolve, reject) => ui.once("open", resolve).once("error", reject));
    try {
      // Six frames of one app in one burst (a restart of its processes): transitions and status each.
      for (const slot of [0, 1, 2]) sim.changeState(app, slot, "STARTING", "restart");
      for (const slot of [0, 1, 2]) sim.changeState(app, slot, "RUNNING");
      await waitUntil(async () => (seen.at(-1)?.processes.every((p) => p.state === "RUNNING") ? true : null), 10_000, "the burst's last status");
      await sleep(500);
      expect(seen.length).toBeLessThan(6); // coalesced (one event, unless the frames straddled a window)
      const events = await api<{ events: unknown[] }>(`/apps/${appId}/events?limit=50`);
      expect(events.body.events).toHaveLength(6); // no transition lost
      const before = seen.length;
      sim.send({ type: "apps.status", apps: [sim.status(app)] }); // the same status again
      sim.changeState(app, 0, "STOPPED", "marker");
      await waitUntil(async () => (seen.at(-1)?.processes[0].state === "STOPPED" ? true : null), 10_000, "the next change");
      expect(seen.length).toBe(before + 1);
    } finally {
      ui.close();
    }
  });
});

describe("writes agents and API clients cause", () => {
  it("writes facts only when they say something new, and shows the live ones at once", async () => {
    await waitUntil(async () => storedFacts().hostname === "sim-host" || null, 20_000, "the hello's facts stored");
    await sleep(FLUSHED_MS);
    resetWrites();
    for (let i = 0; i < 5; i++) sim.facts(); // the same facts again and again
    for (let i = 0; i < 3; i++) sim.facts({ uptimeS: 2000 + i, loadAvg: [1, 1, i], agentRssBytes: 70e6 + i }); // only counters tick
    await waitUntil(async () => {
      const h = (await api<HostView[]>("/hosts?q=sim-host")).body[0];
      return h?.facts.uptimeS === 2002 || null;
    }, 10_000, "the live facts in the API");
    await sleep(FLUSHED_MS);
    expect(writes("host")).toBe(0);
    sim.facts({ agentVersion: "9.9.9" }); // something new: stored, once
    sim.facts({ agentVersion: "9.9.9" });
    await waitUntil(async () => storedFacts().agentVersion === "9.9.9" || null, 10_000, "the new facts stored");
    await sleep(FLUSHED_MS);
    expect(writes("host")).toBe(1);
  });

  it("writes an API token's last use once, not on every request", async () => {
    const before = writes("token");
    for (let i = 0; i < 8; i++) expect((await api("/auth/me")).status).toBe(200);
    expect(writes("token") - before).toBeLessThanOrEqual(1);
    const listed = await api<{ lastUsedAt: string | null }[]>("/tokens");
    expect(listed.body.every((t) => t.lastUsedAt !== null)).toBe(true);
  });

  it("loses nothing held in memory when the control plane is stopped: facts and process events are written first", async () => {
    const appId = await createApp("pg-shutdown");
    const app = { appId, revision: 1, processes: simProcesses(2) };
    sim.apps.push(app);
    sim.facts({ agentVersion: "10.0.0" });
    sim.changeState(app, 1, "FATAL", "marker-before-shutdown");
    // Received (live in the API) but, with facts written every 2 s, most likely not stored yet.
    await waitUntil(async () => (await api<HostView[]>("/hosts?q=sim-host")).body[0]?.facts.agentVersion === "10.0.0" || null, 10_000, "facts received");
    await stack.stopStoker();
    expect(storedFacts().agentVersion).toBe("10.0.0");
    const event = sqlite.prepare("SELECT detail FROM ProcessEvent WHERE appId = ?").all(appId) as { detail: string }[];
    expect(event.map((e) => e.detail)).toContain("marker-before-shutdown");
    const audit = sqlite.prepare("SELECT count(*) AS n FROM AuditEvent WHERE action = 'process.fatal' AND target = ?").get(`app:${appId}`) as { n: number };
    expect(audit.n).toBe(1);
  });
});
