// Issue 17 item 8: sessions and login. A password change ends the live sockets of the user's other
// sessions; no outsider can lock an account or tell a real email from an unknown one; X-Forwarded-For
// counts only from a configured proxy; /auth/login takes JSON only (no login CSRF from a form).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type ControlPlane, startControlPlane } from "./control-plane";
import { Tally } from "./tally";

const tally = new Tally("item 8: sessions and login");
let cp: ControlPlane;
const OWNER = { email: "owner@example.com", password: "correct-horse-battery-staple" };
let ownerId = "";
let token = "";

beforeAll(async () => {
  process.env.STOKER_TRUSTED_PROXIES = "127.0.0.1"; // the test stands in for a proxy: X-Forwarded-For names the client
  cp = await startControlPlane();
  const { db } = await import("@/lib/db");
  const { hashPassword } = await import("@/lib/auth/passwords");
  const { hashSecret, newSecret } = await import("@/lib/auth/secrets");
  ownerId = (await db.user.create({ data: { email: OWNER.email, role: "owner", passwordHash: await hashPassword(OWNER.password) } })).id;
  token = newSecret("stk");
  await db.apiToken.create({ data: { name: "t", role: "owner", userId: ownerId, tokenHash: hashSecret(token) } });
});

afterAll(async () => {
  tally.report();
  delete process.env.STOKER_TRUSTED_PROXIES;
  await cp?.close();
});

const login = (body: unknown, from: string, contentType = "application/json") =>
  fetch(`${cp.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": contentType, "x-forwarded-for": from }, body: typeof body === "string" ? body : JSON.stringify(body) });

function openUi(headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${cp.port}/ws/ui`, { headers });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

const closedWithin = (ws: WebSocket, ms: number) =>
  new Promise<number | null>((resolve) => {
    if (ws.readyState === ws.CLOSED) return resolve(-1);
    const t = setTimeout(() => resolve(null), ms);
    ws.once("close", (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });

describe("a password change", () => {
  it("closes the live socket of another session, keeps the current session's and API tokens' sockets", async () => {
    const cookieOf = async (from: string) => (await login(OWNER, from)).headers.get("set-cookie")?.split(";")[0] ?? "";
    const mine = await cookieOf("198.51.100.1");
    const other = await cookieOf("198.51.100.2");
    const [wsMine, wsOther, wsToken] = await Promise.all([openUi({ cookie: mine }), openUi({ cookie: other }), openUi({ authorization: `Bearer ${token}` })]);
    const otherClosed = closedWithin(wsOther, 5_000);
    const res = await fetch(`${cp.url}/api/v1/auth/password`, {
      method: "POST",
      headers: { cookie: mine, "x-stoker-csrf": "1", "content-type": "application/json" },
      body: JSON.stringify({ current: OWNER.password, next: "another-long-password" }),
    });
    expect(res.status).toBe(200);
    await tally.attack("the other session's /ws/ui keeps streaming after a password change", async () => (await otherClosed) === 4001 || "still open");
    await new Promise((r) => setTimeout(r, 300));
    // Documented: the session that changed the password and API tokens (revoked on their own) keep working.
    expect(wsMine.readyState).toBe(WebSocket.OPEN);
    expect(wsToken.readyState).toBe(WebSocket.OPEN);
    expect((await fetch(`${cp.url}/api/v1/auth/me`, { headers: { cookie: other } })).status).toBe(401);
    for (const ws of [wsMine, wsToken]) ws.close();
    OWNER.password = "another-long-password";
    tally.expectAllRefused();
  });
});

describe("logging in", () => {
  it("an outsider's wrong passwords cannot lock the owner out", async () => {
    for (let i = 0; i < 12; i++) await login({ email: OWNER.email, password: `guess-${i}` }, "203.0.113.5");
    const outsider = await login({ email: OWNER.email, password: OWNER.password }, "203.0.113.5");
    expect(outsider.status, "the guessing address itself is locked for this account").toBe(429);
    await tally.attack("lock the owner out with 12 wrong passwords", async () => {
      const res = await login({ email: OWNER.email, password: OWNER.password }, "198.51.100.7");
      return res.status === 200 || `the owner got ${res.status}: ${(await res.json()).message}`;
    });
    tally.expectAllRefused();
  }, 90_000);

  it("answers a real account and an unknown email the same way, locked or not", async () => {
    const answers = async (email: string, from: string) => {
      const out: string[] = [];
      for (let i = 0; i < 7; i++) {
        const res = await login({ email, password: `wrong-${i}` }, from);
        out.push(`${res.status} ${(await res.json()).message}`);
      }
      return out;
    };
    const real = await answers(OWNER.email, "192.0.2.10");
    const unknown = await answers("nobody@example.com", "192.0.2.11");
    expect(real.at(-1)).toMatch(/^429 /);
    await tally.attack("tell a real account from an unknown email by the answers", () => JSON.stringify(real) === JSON.stringify(unknown) || `${real.join(" | ")} ≠ ${unknown.join(" | ")}`);
    tally.expectAllRefused();
  }, 90_000);

  it("refuses login bodies a cross-site form can send (text/plain, urlencoded, multipart): no session", async () => {
    const json = JSON.stringify(OWNER);
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      await tally.attack(`login CSRF with ${type}`, async () => {
        const res = await login(json, "192.0.2.20", type);
        if (res.headers.get("set-cookie")) return `a session cookie was set (${res.status})`;
        return res.status === 415 || `status ${res.status}`;
      });
    }
    tally.expectAllRefused(3);
  });

  it("counts a forwarded client per its own address only behind a trusted proxy", async () => {
    // Behind the trusted proxy: one client using up its limit does not lock out another.
    for (let i = 0; i < 21; i++) await login({ email: "x@example.com", password: "x" }, "192.0.2.30");
    expect((await login({ email: "x@example.com", password: "x" }, "192.0.2.30")).status).toBe(429);
    await tally.attack("one forwarded client exhausts the limit for everyone behind the proxy", async () => {
      const res = await login({ email: "y@example.com", password: "y" }, "192.0.2.31");
      return res.status === 401 || `status ${res.status}`;
    });
    // Without a trusted proxy, made-up X-Forwarded-For values do not buy a fresh limit each.
    process.env.STOKER_TRUSTED_PROXIES = "";
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await login({ email: "z@example.com", password: "z" }, `10.9.${i}.1`)).status);
    await tally.attack("rotate X-Forwarded-For to dodge the per-address limit", () => statuses.slice(-4).every((s) => s === 429) || `last statuses ${statuses.slice(-4).join(",")}`);
    process.env.STOKER_TRUSTED_PROXIES = "127.0.0.1";
    tally.expectAllRefused();
  }, 90_000);
});
