// Issue 17 item 10, the second factor: TOTP enrolment takes effect only once confirmed; a login of an
// enrolled account is two steps and the first gives no session; codes are single-use (a replayed
// TOTP or recovery code is refused), limited and locked like passwords; disabling needs password and
// code; the owner's "required above viewer" rule holds a password session that has not enrolled to
// enrolment and logout (API tokens, viewers and single sign-on sessions exempt, as documented).
import { generate } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type ControlPlane, startControlPlane } from "./control-plane";
import { Tally } from "./tally";

const tally = new Tally("item 10: second factor");
let cp: ControlPlane;
const PASSWORD = "correct-horse-battery-staple";
const ids: Record<string, string> = {};
let ownerToken = "";
let opToken = "";

beforeAll(async () => {
  process.env.STOKER_TRUSTED_PROXIES = "127.0.0.1"; // X-Forwarded-For names the client: one address per scenario
  cp = await startControlPlane();
  const { db } = await import("@/lib/db");
  const { hashPassword } = await import("@/lib/auth/passwords");
  const { hashSecret, newSecret } = await import("@/lib/auth/secrets");
  const passwordHash = await hashPassword(PASSWORD);
  for (const [name, role] of [["owner", "owner"], ["admin", "admin"], ["alice", "operator"], ["bob", "operator"], ["vera", "viewer"], ["sso", "admin"]] as const) {
    ids[name] = (await db.user.create({ data: { email: `${name}@example.com`, role, passwordHash: name === "sso" ? null : passwordHash } })).id;
  }
  ownerToken = newSecret("stk");
  await db.apiToken.create({ data: { name: "o", role: "owner", userId: ids.owner, tokenHash: hashSecret(ownerToken) } });
  opToken = newSecret("stk");
  await db.apiToken.create({ data: { name: "b", role: "operator", userId: ids.bob, tokenHash: hashSecret(opToken) } });
});

afterAll(async () => {
  tally.report();
  delete process.env.STOKER_TRUSTED_PROXIES;
  await cp?.close();
});

type Reply = { status: number; body: Record<string, unknown>; cookies: Record<string, string> };
async function call(method: string, route: string, opts: { cookie?: string; from?: string; body?: unknown; bearer?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { "x-forwarded-for": opts.from ?? "198.51.100.9", "x-stoker-csrf": "1" };
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${cp.url}/api/v1${route}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const cookies: Record<string, string> = {};
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const i = pair.indexOf("=");
    cookies[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return { status: res.status, body: ((await res.json().catch(() => ({}))) as Record<string, unknown>) ?? {}, cookies };
}

const login = (who: string, from: string) => call("POST", "/auth/login", { from, body: { email: `${who}@example.com`, password: PASSWORD } });
const session = (r: Reply) => (r.cookies.stoker_session ? `stoker_session=${r.cookies.stoker_session}` : "");
const codeAt = (secret: string, offsetS: number) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetS });

async function auditActions(prefix: string): Promise<string[]> {
  const r = await call("GET", `/audit?action=${prefix}&limit=500`, { bearer: ownerToken });
  return (r.body.events as { action: string; result: string; target: string }[]).map((e) => `${e.action} ${e.result} ${e.target}`);
}

let aliceSecret = "";
let confirmingCode = "";
let recovery: string[] = [];

describe("enrolment", () => {
  it("gives a secret, an otpauth URI and a QR code, and changes nothing until a right code confirms it", async () => {
    const cookie = session(await login("alice", "198.51.100.1"));
    expect(cookie).not.toBe("");
    const enrol = await call("POST", "/auth/totp/enrol", { cookie });
    expect(enrol.status).toBe(200);
    aliceSecret = String(enrol.body.secret);
    expect(String(enrol.body.otpauthUri)).toMatch(/^otpauth:\/\/totp\/Stoker:alice%40example\.com\?.*secret=/);
    expect(String(enrol.body.qrSvg)).toContain("<svg");
    // Not confirmed: the password alone still signs in.
    await tally.attack("an unconfirmed enrolment already asks for a code (would lock the user out)", async () => session(await login("alice", "198.51.100.1")) !== "" || "no session");
    const wrong = await call("POST", "/auth/totp/confirm", { cookie, body: { code: (Number(await codeAt(aliceSecret, 0)) ^ 1).toString().padStart(6, "0") } });
    await tally.attack("confirm with a wrong code", () => wrong.status === 400 || `HTTP ${wrong.status}`);
    confirmingCode = await codeAt(aliceSecret, 0);
    const right = await call("POST", "/auth/totp/confirm", { cookie, body: { code: confirmingCode } });
    expect(right.status, JSON.stringify(right.body)).toBe(200);
    recovery = right.body.recoveryCodes as string[];
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    const again = await call("POST", "/auth/totp/enrol", { cookie });
    await tally.attack("enrol over an enrolled factor", () => again.status === 409 || `HTTP ${again.status}`);
    const status = await call("GET", "/auth/totp", { cookie });
    expect(status.body).toMatchObject({ enrolled: true, recoveryCodesLeft: 10 });
    const { db } = await import("@/lib/db");
    const row = await db.user.findUnique({ where: { id: ids.alice } });
    await tally.attack("the TOTP secret and recovery codes in the database in clear", () =>
      (!JSON.stringify(row).includes(aliceSecret) && !recovery.some((c) => JSON.stringify(row).includes(c))) || "found in the user row");
  });
});

describe("a login with a second factor", () => {
  it("is two steps: the password gives no session, a right code does, once", async () => {
    const from = "198.51.100.2";
    const first = await login("alice", from);
    expect(first.status).toBe(200);
    expect(first.body.secondFactor).toBe("totp");
    await tally.attack("password step sets a session", () => !first.cookies.stoker_session || "a session cookie after the password alone");
    const pending = first.cookies.stoker_2fa;
    expect(pending).toBeTruthy();
    const asSession = await call("GET", "/auth/me", { cookie: `stoker_session=${pending}` });
    await tally.attack("the pending token used as a session", () => asSession.status === 401 || `HTTP ${asSession.status}`);
    const noPending = await call("POST", "/auth/login/second-factor", { from, body: { code: await codeAt(aliceSecret, 30) } });
    await tally.attack("second step without the pending token", () => noPending.status === 401 || `HTTP ${noPending.status}`);
    const forged = await call("POST", "/auth/login/second-factor", { from, body: { code: await codeAt(aliceSecret, 30), pending: `${ids.alice}.${Date.now() + 60_000}.AAAA` } });
    await tally.attack("a forged pending token", () => forged.status === 401 || `HTTP ${forged.status}`);
    const stale = await call("POST", "/auth/login/second-factor", { from, cookie: `stoker_2fa=${pending}`, body: { code: confirmingCode } });
    await tally.attack("the code that confirmed enrolment, replayed", () => stale.status === 401 || `HTTP ${stale.status}`);

    const next = await codeAt(aliceSecret, 30); // one step ahead: the enrolment's step is spent
    const ok = await call("POST", "/auth/login/second-factor", { from, cookie: `stoker_2fa=${pending}`, body: { code: next } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await call("GET", "/auth/me", { cookie: session(ok) })).status).toBe(200);
    const replay = await call("POST", "/auth/login/second-factor", { from, cookie: `stoker_2fa=${(await login("alice", from)).cookies.stoker_2fa}`, body: { code: next } });
    await tally.attack("the same TOTP code again within its window", () => replay.status === 401 || `HTTP ${replay.status}`);

    const p2 = (await login("alice", from)).cookies.stoker_2fa;
    const byRecovery = await call("POST", "/auth/login/second-factor", { from, cookie: `stoker_2fa=${p2}`, body: { code: recovery[0].toUpperCase() } });
    expect(byRecovery.status, JSON.stringify(byRecovery.body)).toBe(200);
    const p3 = (await login("alice", from)).cookies.stoker_2fa;
    const recoveryAgain = await call("POST", "/auth/login/second-factor", { from, cookie: `stoker_2fa=${p3}`, body: { code: recovery[0] } });
    await tally.attack("a used recovery code again", () => recoveryAgain.status === 401 || `HTTP ${recoveryAgain.status}`);
    expect((await auditActions("auth.login")).filter((a) => a.includes("alice")).length).toBeGreaterThan(4);
  });

  it("locks an (account, address) pair after 5 wrong codes, the right code included, and not other addresses", async () => {
    const from = "198.51.100.3";
    const pending = (await login("alice", from)).cookies.stoker_2fa;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call("POST", "/auth/login/second-factor", { from, cookie: `stoker_2fa=${pending}`, body: { code: "000000" } })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const locked = await call("POST", "/auth/login/second-factor", { from, cookie: `stoker_2fa=${pending}`, body: { code: recovery[1] } });
    await tally.attack("a right code from a locked address", () => locked.status === 429 || `HTTP ${locked.status}`);
    const elsewhere = "198.51.100.4";
    const p = (await login("alice", elsewhere)).cookies.stoker_2fa;
    const fine = await call("POST", "/auth/login/second-factor", { from: elsewhere, cookie: `stoker_2fa=${p}`, body: { code: recovery[1] } });
    expect(fine.status, "the owner of the account, from another address, is not locked out").toBe(200);
  });

  it("is turned off only with the password and a code", async () => {
    const from = "198.51.100.5";
    const cookie = session(await call("POST", "/auth/login/second-factor", { from, cookie: `stoker_2fa=${(await login("alice", from)).cookies.stoker_2fa}`, body: { code: recovery[2] } }));
    expect(cookie).not.toBe("");
    const noPassword = await call("POST", "/auth/totp/disable", { cookie, body: { password: "wrong-password-here", code: recovery[3] } });
    await tally.attack("disable with a wrong password", () => noPassword.status === 400 || `HTTP ${noPassword.status}`);
    const noCode = await call("POST", "/auth/totp/disable", { cookie, body: { password: PASSWORD, code: "123456" } });
    await tally.attack("disable with a wrong code", () => noCode.status === 400 || `HTTP ${noCode.status}`);
    const off = await call("POST", "/auth/totp/disable", { cookie, body: { password: PASSWORD, code: recovery[3] } });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(session(await login("alice", "198.51.100.6"))).not.toBe("");
    const audit = await auditActions("user.2fa");
    expect(audit).toContain("user.2fa-enrolled success user:alice@example.com");
    expect(audit).toContain("user.2fa-disabled failure user:alice@example.com");
    expect(audit).toContain("user.2fa-disabled success user:alice@example.com");
  });
});

describe("the owner's rule: a second factor above viewer", () => {
  it("holds an unenrolled password session to enrolment and logout, until it enrols", async () => {
    const adminCookie = session(await login("admin", "198.51.100.7"));
    const byAdmin = await call("PUT", "/auth/two-factor-policy", { cookie: adminCookie, body: { required: true } });
    await tally.attack("an admin sets the rule", () => byAdmin.status === 403 || `HTTP ${byAdmin.status}`);
    // The owner's own unenrolled browser session would lock itself out of everything but enrolment.
    const ownerCookie = session(await login("owner", "198.51.100.9"));
    const selfLock = await call("PUT", "/auth/two-factor-policy", { cookie: ownerCookie, body: { required: true } });
    await tally.attack("the unenrolled owner's session sets the rule (locks itself out)", () => selfLock.status === 409 || `HTTP ${selfLock.status}`);
    const set = await call("PUT", "/auth/two-factor-policy", { bearer: ownerToken, body: { required: true } });
    expect(set.status).toBe(200);
    expect(await auditActions("settings.2fa-required")).toContain("settings.2fa-required success settings");

    const bob = session(await login("bob", "198.51.100.8"));
    expect(bob, "an unenrolled user can still sign in").not.toBe("");
    for (const [method, route, body] of [
      ["GET", "/apps", undefined],
      ["GET", "/hosts", undefined],
      ["GET", "/auth/me", undefined],
      ["POST", "/tokens", { name: "sneak" }],
      ["GET", "/audit", undefined],
      ["POST", "/auth/password", { current: PASSWORD, next: "another-long-password" }],
    ] as const) {
      const r = await call(method, route, { cookie: bob, body });
      await tally.attack(`unenrolled operator session: ${method} ${route}`, () => (r.status === 403 && r.body.code === "SECOND_FACTOR_REQUIRED") || `HTTP ${r.status} ${String(r.body.code)}`);
    }
    const ws = await new Promise<string>((resolve) => {
      const s = new WebSocket(`ws://127.0.0.1:${cp.port}/ws/ui`, { headers: { cookie: bob } });
      s.once("open", () => {
        s.terminate();
        resolve("opened");
      });
      s.once("error", () => resolve("refused"));
      s.once("unexpected-response", (_req, res) => resolve(`refused ${res.statusCode}`));
    });
    await tally.attack("unenrolled operator session: /ws/ui", () => ws.startsWith("refused") || ws);
    expect((await call("GET", "/auth/totp", { cookie: bob })).status).toBe(200);
    // Documented exemptions: API tokens, viewers, single sign-on sessions.
    expect((await call("GET", "/apps", { bearer: opToken })).status).toBe(200);
    expect((await call("GET", "/apps", { cookie: session(await login("vera", "198.51.100.10")) })).status).toBe(200);
    const { createSession } = await import("@/lib/auth/sessions");
    const sso = await createSession(ids.sso, "", "test", "oidc");
    expect((await call("GET", "/apps", { cookie: `stoker_session=${sso.token}` })).status).toBe(200);

    const enrol = await call("POST", "/auth/totp/enrol", { cookie: bob });
    expect(enrol.status).toBe(200);
    const confirmed = await call("POST", "/auth/totp/confirm", { cookie: bob, body: { code: await codeAt(String(enrol.body.secret), 0) } });
    expect(confirmed.status).toBe(200);
    expect((await call("GET", "/apps", { cookie: bob })).status, "enrolled: the same session works").toBe(200);
    const out = await call("POST", "/auth/logout", { cookie: bob });
    expect(out.status).toBe(200);
    tally.expectAllRefused(20);
  });
});
