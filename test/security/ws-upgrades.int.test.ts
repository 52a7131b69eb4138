// Issue 17 item 0: every WebSocket upgrade is answered and closed whatever its headers, and an
// oversized frame closes only its own socket. Attacks go over raw TCP so nothing is tidied by a client.
import { spawnSync } from "node:child_process";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type ControlPlane, startControlPlane } from "./control-plane";
import { Tally } from "./tally";

const tally = new Tally("item 0: WebSocket upgrades");
let cp: ControlPlane;
let sessionCookie = "";
let hostKey = "";

beforeAll(async () => {
  cp = await startControlPlane();
  const { db } = await import("@/lib/db");
  const { createSession } = await import("@/lib/auth/sessions");
  const { hashSecret, newSecret } = await import("@/lib/auth/secrets");
  const user = await db.user.create({ data: { email: "viewer@example.com", role: "viewer", passwordHash: null } });
  sessionCookie = `stoker_session=${(await createSession(user.id, "", "test")).token}`;
  hostKey = newSecret("stkh");
  await db.host.create({ data: { name: "h1", keyHash: hashSecret(hostKey) } });
});

afterAll(async () => {
  tally.report();
  await cp?.close();
});

type Answer = { status: number | null; serverClosed: boolean };

/** One raw upgrade request; resolves with the status line the server sent and whether it closed. */
function rawUpgrade(path: string, headers: string[], timeoutMs = 5_000): Promise<Answer> {
  return new Promise((resolve) => {
    const sock = connect(cp.port, "127.0.0.1");
    let data = "";
    const finish = (serverClosed: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      resolve({ status: m ? Number(m[1]) : null, serverClosed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on("data", (d) => (data += d.toString("latin1")));
    sock.on("end", () => finish(true));
    sock.on("error", () => finish(true));
    const lines = [
      `GET ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${cp.port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Version: 13",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      ...headers,
    ];
    sock.write(`${lines.join("\r\n")}\r\n\r\n`);
  });
}

const BAD_UPGRADES: { what: string; path: string; headers: () => string[] }[] = [
  { what: "ui, Origin: garbage", path: "/ws/ui", headers: () => ["Origin: garbage"] },
  { what: "ui, Origin: null", path: "/ws/ui", headers: () => ["Origin: null"] },
  { what: "ui, Origin: another site, with a session", path: "/ws/ui", headers: () => ["Origin: http://evil.example", `Cookie: ${sessionCookie}`] },
  { what: "ui, Origin: garbage, with a session", path: "/ws/ui", headers: () => ["Origin: ::::", `Cookie: ${sessionCookie}`] },
  { what: "ui, no Origin, no credentials", path: "/ws/ui", headers: () => [] },
  { what: "ui, a made-up session", path: "/ws/ui", headers: () => ["Cookie: stoker_session=nope"] },
  { what: "ui, a made-up token", path: "/ws/ui", headers: () => ["Authorization: Bearer stk_nope"] },
  { what: "agent, no key", path: "/ws/agent", headers: () => [] },
  { what: "agent, wrong key", path: "/ws/agent", headers: () => ["Authorization: Bearer stkh_wrong"] },
  { what: "agent, Origin: garbage", path: "/ws/agent", headers: () => ["Origin: garbage"] },
  { what: "an unknown path", path: "/ws/nope", headers: () => ["Origin: garbage"] },
  { what: "a path that is not a URL", path: "//[", headers: () => [] },
  { what: "agent, right key, bad Sec-WebSocket-Version", path: "/ws/agent", headers: () => [`Authorization: Bearer ${hostKey}`, "Sec-WebSocket-Version: 99"] },
];

const refusedCleanly = (a: Answer) => (a.status !== null && a.status >= 400 && a.serverClosed ? true : `status ${a.status}, server closed: ${a.serverClosed}`);

function closeWaitCount(): number {
  const out = spawnSync("ss", ["-tanH", "state", "close-wait", `( sport = :${cp.port} )`], { encoding: "utf8" });
  return out.stdout.split("\n").filter((l) => l.trim()).length;
}

describe("upgrades the control plane refuses", () => {
  it("answers each kind of bad upgrade with an HTTP error and closes it", async () => {
    for (const bad of BAD_UPGRADES) await tally.attack(bad.what, async () => refusedCleanly(await rawUpgrade(bad.path, bad.headers())));
    tally.expectAllRefused(BAD_UPGRADES.length);
  });

  it("2,000 bad upgrades leave no descriptor in CLOSE_WAIT, and /api/v1/health still answers", async () => {
    const before = tally.attempts.length;
    let next = 0;
    const worker = async () => {
      while (next < 2000) {
        const bad = BAD_UPGRADES[next++ % BAD_UPGRADES.length];
        await tally.attack(`bulk: ${bad.what}`, async () => refusedCleanly(await rawUpgrade(bad.path, bad.headers())));
      }
    };
    await Promise.all(Array.from({ length: 40 }, worker));
    expect(tally.attempts.length - before).toBe(2000);
    await new Promise((r) => setTimeout(r, 500));
    await tally.attack("2,000 bad upgrades pin descriptors", () => closeWaitCount() === 0 || `${closeWaitCount()} sockets in CLOSE_WAIT`);
    const health = await fetch(`${cp.url}/api/v1/health`, { signal: AbortSignal.timeout(5_000) });
    expect(health.status).toBe(200);
    tally.expectAllRefused();
  });
});

function openSocket(path: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${cp.port}${path}`, { headers });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once("close", (code) => resolve(code)));
}

describe("frames over the limit", () => {
  it("closes a /ws/ui socket that sends a 70 KB frame (1009), and the server keeps serving", async () => {
    const ws = await openSocket("/ws/ui", { cookie: sessionCookie });
    const closed = closeCode(ws);
    ws.send(JSON.stringify({ type: "ping", pad: "x".repeat(70_000) }));
    await tally.attack("70 KB /ws/ui frame", async () => (await closed) === 1009 || "not closed with 1009");
    expect((await fetch(`${cp.url}/api/v1/health`)).status).toBe(200);
    tally.expectAllRefused();
  });

  it("closes a /ws/agent socket that sends a 16 MiB frame (1009), and the server keeps serving", async () => {
    const ws = await openSocket("/ws/agent", { authorization: `Bearer ${hostKey}` });
    ws.on("message", () => {});
    const closed = closeCode(ws);
    ws.send(Buffer.alloc((16 << 20) + 1, 0x20));
    await tally.attack("16 MiB /ws/agent frame", async () => (await closed) === 1009 || "not closed with 1009");
    expect((await fetch(`${cp.url}/api/v1/health`)).status).toBe(200);
    tally.expectAllRefused();
  });
});
