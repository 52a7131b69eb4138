// Issue 17 item 8 (searches, continued): an agent runs only a few `?regex=` searches at once. Sixty
// viewers search at the same moment through the real API routes; the "agent" on the other end of the
// socket answers with the agent's own log-op code (readLogOp → searchLogs → the agent's gate) over a
// real 40k-line log. Every search is answered: a page, or 429 with a message that says why.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type ControlPlane, startControlPlane } from "./control-plane";
import { Tally } from "./tally";

const tally = new Tally("item 8: concurrent regex searches are capped per agent");
const logDir = mkdtempSync(path.join(tmpdir(), "stoker-regex-cap-"));
let cp: ControlPlane;
let agent: WebSocket;
let token = "";
let appId = "";
let slots: typeof import("@/agent/logs/search-slots").regexSearchSlots;

beforeAll(async () => {
  cp = await startControlPlane();
  const { LogStore } = await import("@/agent/logs/log-store");
  const store = new LogStore(logDir, { fileBytes: 4 << 20, totalBytes: 64 << 20 });
  for (let i = 0; i < 40_000; i++) store.write(1, "out", `INFO request ${i} took ${i % 997} ms path=/items/${i}\n`);
  store.close();
  const { readLogOp } = await import("@/agent/supervisor/read-log-op");
  slots = (await import("@/agent/logs/search-slots")).regexSearchSlots;
  const { db } = await import("@/lib/db");
  const { hashSecret, newSecret } = await import("@/lib/auth/secrets");
  const viewer = await db.user.create({ data: { email: "viewer@example.com", role: "viewer", passwordHash: null } });
  token = newSecret("stk");
  await db.apiToken.create({ data: { name: "t", role: "viewer", userId: viewer.id, tokenHash: hashSecret(token) } });
  const host = await db.host.create({ data: { name: "h1", keyHash: hashSecret("stkh_cap") } });
  appId = (await db.app.create({ data: { name: "busy", hostId: host.id, spec: JSON.stringify({ name: "busy", command: ["/bin/true"], socket: { path: "/run/stoker/busy.sock" } }) } })).id;
  agent = await new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${cp.port}/ws/agent`, { headers: { authorization: "Bearer stkh_cap" } });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
  agent.on("message", async (data) => {
    const msg = JSON.parse(String(data)) as { type: string; id?: string; op?: { op: string } };
    if (msg.type !== "request" || !msg.id || !msg.op) return;
    const r = await readLogOp(logDir, msg.op as Parameters<typeof readLogOp>[1]);
    agent.send(JSON.stringify(r.ok ? { type: "reply", id: msg.id, ok: true, value: r.value } : { type: "reply", id: msg.id, ok: false, code: r.code, message: r.message }));
  });
  await new Promise((r) => setTimeout(r, 300));
}, 120_000);

afterAll(async () => {
  tally.report();
  agent?.terminate();
  await cp?.close();
  rmSync(logDir, { recursive: true, force: true });
});

async function search(regex: string) {
  const res = await fetch(`${cp.url}/api/v1/apps/${appId}/logs?regex=${encodeURIComponent(regex)}&limit=50`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as { lines?: unknown[]; code?: string; message?: string } };
}

describe("concurrent regex searches", () => {
  it("runs at most the cap at once, queues a few, and answers the rest 429 with a reason", async () => {
    // Sparse matches: each search walks the whole log, so sixty of them overlap.
    const n = 60;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => search(`took 99${i % 7} ms path=/items/\\d*${i % 10}$`)));
    const ok = results.filter((r) => r.status === 200);
    const limited = results.filter((r) => r.status === 429);
    for (let i = 0; i < n - ok.length; i++) {
      await tally.attack(`search ${i + 1} over the cap`, () => {
        const r = limited[i];
        return (r?.body.code === "RATE_LIMITED" && /Too many regular-expression searches/.test(r.body.message ?? "")) || `got ${r ? `${r.status} ${JSON.stringify(r.body).slice(0, 120)}` : "no answer"}`;
      });
    }
    await tally.attack("more searches running at once than the cap", () => slots.peak <= slots.limits.running || `peak ${slots.peak}`);
    tally.expectAllRefused(1);
    // Every search was answered one way or the other, the served ones with real pages.
    expect(ok.length + limited.length).toBe(n);
    expect(ok.length).toBeGreaterThanOrEqual(slots.limits.running);
    expect(ok.length).toBeLessThanOrEqual(slots.limits.running + slots.limits.waiting);
    expect(limited.length).toBeGreaterThan(0);
    expect(ok.every((r) => Array.isArray(r.body.lines) && r.body.lines.length > 0)).toBe(true);
    // Once the crowd is gone the gate is open again: nothing leaked a slot.
    const after = await search("took 996 ms");
    expect(after.status).toBe(200);
    // Plain-text searches never wait for the regex gate.
    const plain = await fetch(`${cp.url}/api/v1/apps/${appId}/logs?q=took&limit=5`, { headers: { authorization: `Bearer ${token}` } });
    expect(plain.status).toBe(200);
  }, 180_000);
});
