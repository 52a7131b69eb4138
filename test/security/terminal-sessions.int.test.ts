// Issue 17 item 9 (terminals): a terminal whose browser tab is gone does not stay open. The relay
// hangs it up after a grace period, and the debug session is recorded as ended ("disconnected"),
// whether the agent answers the hang-up or not.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type ControlPlane, startControlPlane } from "./control-plane";
import { Tally } from "./tally";

const tally = new Tally("item 9: terminals end when the browser goes");
let cp: ControlPlane;
let agent: WebSocket;
let cookie = "";
const ids = { host: "", app: "", user: "", email: "op@example.com" };
let answerHangUps = true;
const hangUps: string[] = [];

beforeAll(async () => {
  cp = await startControlPlane();
  const { db } = await import("@/lib/db");
  const { createSession } = await import("@/lib/auth/sessions");
  const { hashSecret } = await import("@/lib/auth/secrets");
  const { ptyRelay } = await import("@/lib/debug/pty-relay");
  ptyRelay().detachGraceMs = 1_500; // short for the test, still far above an attach on a loaded machine
  ptyRelay().exitWaitMs = 1_000;
  const user = await db.user.create({ data: { email: ids.email, role: "operator", passwordHash: null } });
  ids.user = user.id;
  cookie = `stoker_session=${(await createSession(user.id, "", "test")).token}`;
  ids.host = (await db.host.create({ data: { name: "h1", keyHash: hashSecret("stkh_t") } })).id;
  const spec = { name: "app", command: ["/bin/true"], socket: { path: "/run/stoker/app.sock" } };
  ids.app = (await db.app.create({ data: { name: "app", hostId: ids.host, spec: JSON.stringify(spec) } })).id;
  agent = await open("/ws/agent", { authorization: "Bearer stkh_t" });
  // Behaves as the real agent does: pty.close ends the shell with reason "closed"; recordings are served.
  agent.on("message", (data) => {
    const msg = JSON.parse(String(data)) as { type: string; sessionId?: string; id?: string; op?: { op: string } };
    if (msg.type === "pty.close" && msg.sessionId) {
      hangUps.push(msg.sessionId);
      if (answerHangUps) agent.send(JSON.stringify({ type: "pty.exit", sessionId: msg.sessionId, code: null, reason: "closed" }));
    }
    if (msg.type === "request" && msg.op?.op === "pty.recording") agent.send(JSON.stringify({ type: "reply", id: msg.id, ok: true, value: { cast: "{}\n" } }));
  });
});

afterAll(async () => {
  tally.report();
  agent?.terminate();
  await cp?.close();
});

function open(path: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${cp.port}${path}`, { headers });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

async function newSession(id: string): Promise<void> {
  const { db } = await import("@/lib/db");
  const { ptyRelay } = await import("@/lib/debug/pty-relay");
  await db.debugSession.create({ data: { id, appId: ids.app, hostId: ids.host, userId: ids.user, userEmail: ids.email, asUser: "nobody" } });
  ptyRelay().register(id, ids.host, ids.user);
}

async function endedAs(id: string, within: number): Promise<string | null> {
  const { db } = await import("@/lib/db");
  const deadline = Date.now() + within;
  while (Date.now() < deadline) {
    const row = await db.debugSession.findUnique({ where: { id } });
    if (row?.endedAt) return row.endReason;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

describe("a terminal whose browser is gone", () => {
  it("is hung up and recorded as ended when its tab closes", async () => {
    await newSession("sess-closed-tab");
    const ui = await open("/ws/ui", { cookie });
    ui.send(JSON.stringify({ type: "pty.attach", sessionId: "sess-closed-tab" }));
    await new Promise((r) => setTimeout(r, 2_500)); // attached: no hang-up while a browser holds it
    expect(hangUps).not.toContain("sess-closed-tab");
    ui.terminate(); // the tab is gone, without a goodbye
    await tally.attack("leave a terminal open by closing the tab", async () => {
      const reason = await endedAs("sess-closed-tab", 10_000);
      return (reason === "disconnected" && hangUps.includes("sess-closed-tab")) || `ended: ${reason}, hung up: ${hangUps.includes("sess-closed-tab")}`;
    });
    tally.expectAllRefused();
  });

  it("is hung up when no browser ever attaches, and recorded even if the agent never answers", async () => {
    answerHangUps = false;
    await newSession("sess-never-attached");
    await tally.attack("open a terminal through the API and never attach", async () => {
      const reason = await endedAs("sess-never-attached", 10_000);
      return (reason === "disconnected" && hangUps.includes("sess-never-attached")) || `ended: ${reason}`;
    });
    answerHangUps = true;
    tally.expectAllRefused();
  });

  it("survives a reload: a browser that re-attaches within the grace keeps its terminal", async () => {
    await newSession("sess-reload");
    const first = await open("/ws/ui", { cookie });
    first.send(JSON.stringify({ type: "pty.attach", sessionId: "sess-reload" }));
    await new Promise((r) => setTimeout(r, 300));
    first.terminate();
    const second = await open("/ws/ui", { cookie });
    second.send(JSON.stringify({ type: "pty.attach", sessionId: "sess-reload" }));
    await new Promise((r) => setTimeout(r, 3_000));
    expect(hangUps).not.toContain("sess-reload");
    expect(await endedAs("sess-reload", 100)).toBeNull();
    second.terminate();
  });
});
