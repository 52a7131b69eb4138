// Issue 17 item 4: an agent speaks only for its own host. A second enrolled agent sends every message
// type the protocol has (walked from AgentToControlSchema) about the first host's app, session,
// deployment and pending request: each must be refused and change nothing. The same messages from
// the first host do change things, which shows the observation can see a message that gets through.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type ControlPlane, startControlPlane } from "./control-plane";
import { Tally } from "./tally";

const tally = new Tally("item 4: agents speak only for their host");
let cp: ControlPlane;
const ids = { h1: "", h2: "", app: "", deployment: "", session: "sess-h1-0001", owner: "" };
let agent1: WebSocket;
let agent2: WebSocket;
let ui: WebSocket;
const uiEvents: string[] = [];
const held: { id: string; op: string }[] = []; // requests agent 1 has not answered yet

const FACTS = { hostname: "h", os: "linux", kernel: "6", arch: "x64", cpus: 2, memBytes: 1, uptimeS: 1, loadAvg: [0], agentVersion: "t", agentPid: 1, agentStartedAt: new Date().toISOString(), agentRssBytes: 1, isRoot: false };

beforeAll(async () => {
  cp = await startControlPlane();
  const { db } = await import("@/lib/db");
  const { createSession } = await import("@/lib/auth/sessions");
  const { hashSecret } = await import("@/lib/auth/secrets");
  const { ptyRelay } = await import("@/lib/debug/pty-relay");
  const owner = await db.user.create({ data: { email: "owner@example.com", role: "owner", passwordHash: null } });
  ids.owner = owner.id;
  const h1 = await db.host.create({ data: { name: "h1", keyHash: hashSecret("stkh_one") } });
  const h2 = await db.host.create({ data: { name: "h2", keyHash: hashSecret("stkh_two") } });
  ids.h1 = h1.id;
  ids.h2 = h2.id;
  const spec = { name: "victim", command: ["/bin/true"], socket: { path: "/run/stoker/victim.sock" } };
  const app = await db.app.create({ data: { name: "victim", hostId: h1.id, spec: JSON.stringify(spec) } });
  ids.app = app.id;
  ids.deployment = (await db.deployment.create({ data: { appId: app.id, status: "running" } })).id;
  await db.debugSession.create({ data: { id: ids.session, appId: app.id, hostId: h1.id, userId: owner.id, userEmail: owner.email, asUser: "nobody" } });
  ptyRelay().register(ids.session, h1.id, owner.id);

  agent1 = await openSocket("/ws/agent", { authorization: "Bearer stkh_one" });
  agent1.on("message", (data) => {
    const msg = JSON.parse(String(data)) as { type: string; id?: string; op?: { op: string } };
    if (msg.type !== "request" || !msg.id || !msg.op) return;
    // Log catch-up for the follower below is answered; everything else waits for the test.
    if (msg.op.op.startsWith("logs.")) agent1.send(JSON.stringify({ type: "reply", id: msg.id, ok: true, value: { lines: [] } }));
    else held.push({ id: msg.id, op: msg.op.op });
  });
  agent2 = await openSocket("/ws/agent", { authorization: "Bearer stkh_two" });
  agent2.on("message", () => {});
  ui = await openSocket("/ws/ui", { cookie: `stoker_session=${(await createSession(owner.id, "", "test")).token}` });
  ui.on("message", (data) => uiEvents.push(String(data)));
  ui.send(JSON.stringify({ type: "logs.follow", appId: app.id }));
  ui.send(JSON.stringify({ type: "pty.attach", sessionId: ids.session }));
  await new Promise((r) => setTimeout(r, 500));
});

afterAll(async () => {
  tally.report();
  for (const ws of [agent1, agent2, ui]) ws?.terminate();
  await cp?.close();
});

function openSocket(path: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${cp.port}${path}`, { headers });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

/** Everything the first host's messages could change, as one comparable string. */
async function snapshot(): Promise<string> {
  const { db } = await import("@/lib/db");
  const { agentHub } = await import("@/lib/agents/agent-hub");
  const { ptyRelay } = await import("@/lib/debug/pty-relay");
  const { metricsStore } = await import("@/lib/metrics/metrics-store");
  const hub = agentHub();
  return JSON.stringify({
    status: hub.apps.get(ids.app) ?? null,
    facts: hub.facts.get(ids.h1) ?? null,
    hostFacts: (await db.host.findUnique({ where: { id: ids.h1 } }))?.facts ?? null,
    events: await db.processEvent.count({ where: { appId: ids.app } }),
    deployment: await db.deployment.findUnique({ where: { id: ids.deployment }, select: { status: true, steps: true, message: true } }),
    session: await db.debugSession.findUnique({ where: { id: ids.session }, select: { endedAt: true, endReason: true } }),
    relay: ptyRelay().hostOf(ids.session),
    metrics: metricsStore().latest(ids.app),
    audit: await db.auditEvent.count(),
  });
}

const mentionsVictim = (e: string) => [ids.app, ids.session, ids.deployment, "spoofed"].some((s) => e.includes(s));

/** One message per type, each about the first host's things. */
function messages(replyId: string): Record<string, unknown> {
  const now = new Date().toISOString();
  const status = {
    appId: ids.app,
    revision: 99,
    desired: "running",
    processes: [{ slot: 0, pid: 4242, state: "RUNNING", startedAt: now, restarts: 0, generation: 1, cpuPercent: 0, rssBytes: 1, exitCode: null, lastOutput: "spoofed" }],
    socket: { address: "unix:/spoofed", state: "listening" },
  };
  const step = { name: "fetch", status: "failed", output: "spoofed", startedAt: now, endedAt: now };
  return {
    hello: { type: "hello", facts: FACTS, apps: [status] },
    facts: { type: "facts", facts: { ...FACTS, hostname: "facts-of-host-2" } },
    // Not the hello's status again: a status equal to what browsers last got is not sent to them twice.
    "apps.status": { type: "apps.status", apps: [{ ...status, revision: 100 }] },
    "process.transitions": { type: "process.transitions", transitions: [{ appId: ids.app, slot: 0, pid: 4242, from: "RUNNING", to: "FATAL", at: now, detail: "spoofed" }] },
    "logs.lines": { type: "logs.lines", appId: ids.app, lines: [{ ts: now, pid: 4242, stream: "err", text: "spoofed" }], dropped: 0 },
    "metrics.samples": {
      type: "metrics.samples",
      samples: [
        {
          appId: ids.app, t: Date.now(), step: 10_000, cpuPercent: 99, rssBytes: 1, fds: 1, restarts: 0, processes: 1, workersBusy: 1, workersIdle: 0,
          listenQueue: 42, requests: 1, status2xx: 0, status3xx: 0, status4xx: 0, status5xx: 1, p50Ms: 1, p90Ms: 1, p99Ms: 1,
        },
      ],
    },
    "pty.output": { type: "pty.output", sessionId: ids.session, data: "spoofed" },
    "deploy.progress": {
      type: "deploy.progress",
      deploymentId: ids.deployment,
      deployment: { id: ids.deployment, appId: ids.app, status: "failed", ref: "", commit: "", release: "", message: "spoofed", steps: [step] },
    },
    "deploy.output": { type: "deploy.output", appId: ids.app, deploymentId: ids.deployment, step: "fetch", chunk: "spoofed" },
    reply: { type: "reply", id: replyId, ok: true, value: "spoofed" },
    error: { type: "error", message: "spoofed" },
    "pty.exit": { type: "pty.exit", sessionId: ids.session, code: 0, reason: "exit" }, // last: it ends the session
  };
}

async function schemaTypes(): Promise<string[]> {
  const { AgentToControlSchema } = await import("@/lib/protocol");
  const types: string[] = [];
  const walk = (schema: unknown) => {
    const s = schema as { options?: unknown[]; shape?: { type?: { value?: unknown } } };
    if (s.options) for (const o of s.options) walk(o);
    else if (s.shape?.type?.value) types.push(String(s.shape.type.value));
  };
  walk(AgentToControlSchema);
  return [...new Set(types)].sort();
}

const settle = () => new Promise((r) => setTimeout(r, 400));

describe("messages from another host", () => {
  it("every message type has a rule and a test message here", async () => {
    const { AGENT_MESSAGE_RULES } = await import("@/lib/agents/agent-scope");
    const types = await schemaTypes();
    expect(types.length).toBeGreaterThan(8);
    expect(Object.keys(AGENT_MESSAGE_RULES).sort()).toEqual(types);
    expect(Object.keys(messages("x")).sort()).toEqual(types);
    // A malformed test message would be refused by the parser, not by the rule under test.
    const { AgentToControlSchema } = await import("@/lib/protocol");
    for (const [type, msg] of Object.entries(messages("x"))) expect(AgentToControlSchema.safeParse(msg).success, type).toBe(true);
  });

  it("the second agent's message of each type about the first host's things is refused and changes nothing", async () => {
    const { agentHub } = await import("@/lib/agents/agent-hub");
    let settled: unknown = null;
    void agentHub()
      .call(ids.h1, { op: "app.start", appId: ids.app }, 30_000)
      .then((r) => (settled = r));
    await settle();
    const pending = held.find((h) => h.op === "app.start");
    expect(pending, "agent 1 got the request").toBeDefined();
    const before = await snapshot();
    for (const [type, msg] of Object.entries(messages(pending?.id ?? ""))) {
      const eventsBefore = uiEvents.length;
      agent2.send(JSON.stringify(msg));
      await settle();
      await tally.attack(`host 2 sends ${type} about host 1`, async () => {
        const after = await snapshot();
        const leaked = uiEvents.slice(eventsBefore).filter(mentionsVictim);
        if (after !== before) return `state changed: ${after}`;
        if (leaked.length) return `browsers saw: ${leaked[0].slice(0, 200)}`;
        if (settled) return `the pending request was settled: ${JSON.stringify(settled)}`;
        return true;
      });
    }
    await new Promise((r) => setTimeout(r, 1000));
    await tally.attack("late effects of all of the above", async () => (await snapshot()) === before || "state changed after a delay");
    tally.expectAllRefused(13);
  });

  it("the same messages from the first host do get through (the observation can see them)", async () => {
    const { agentHub } = await import("@/lib/agents/agent-hub");
    let settled: unknown = null;
    void agentHub()
      .call(ids.h1, { op: "app.stop", appId: ids.app }, 30_000)
      .then((r) => (settled = r));
    await settle();
    const pending = held.find((h) => h.op === "app.stop");
    const seen: string[] = [];
    for (const [type, msg] of Object.entries(messages(pending?.id ?? ""))) {
      if (type === "error") continue; // only logged: nothing to observe
      const before = await snapshot();
      const eventsBefore = uiEvents.length;
      agent1.send(JSON.stringify(msg));
      await settle();
      const changed = (await snapshot()) !== before || uiEvents.slice(eventsBefore).some(mentionsVictim) || (type === "reply" && settled !== null);
      if (changed) seen.push(type);
    }
    expect(seen.sort()).toEqual((await schemaTypes()).filter((t) => t !== "error"));
  });
});
