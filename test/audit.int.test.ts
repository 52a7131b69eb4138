// The audit trail and account security, against a real database (SQLite, or PostgreSQL in the `pg`
// project) through the route handlers:
// one event per mutation, failures never marked success, tampering detected, lockout, token expiry.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDb } from "./support/test-db";

const dataDir = mkdtempSync(path.join(tmpdir(), "stoker-audit-"));
process.env.STOKER_DATA_DIR = dataDir;
const tdb = await testDb(dataDir);
Object.assign(process.env, tdb.env);
type Route = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
let routes: Record<string, Record<string, Route>>;
const PASSWORD = "a-very-long-password";

async function call(route: string, method: string, body?: unknown, headers: Record<string, string> = {}, params: Record<string, string> = {}) {
  const handler = routes[route][method];
  const req = new Request(`http://localhost/api/v1/${route}`, { method, headers: { "content-type": "application/json", "x-stoker-remote-addr": "10.0.0.9", ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const res = await handler(req, { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown>, cookie: res.headers.get("set-cookie")?.split(";")[0] ?? "" };
}

beforeAll(async () => {
  const migrated = spawnSync(process.execPath, ["scripts/migrate.mjs", "deploy"], { env: { ...process.env, STOKER_DATA_DIR: dataDir, ...tdb.env } });
  expect(migrated.status, String(migrated.stderr)).toBe(0);
  routes = {
    "auth/setup": (await import("@/app/api/v1/auth/setup/route")) as unknown as Record<string, Route>,
    "auth/login": (await import("@/app/api/v1/auth/login/route")) as unknown as Record<string, Route>,
    tokens: (await import("@/app/api/v1/tokens/route")) as unknown as Record<string, Route>,
    audit: (await import("@/app/api/v1/audit/route")) as unknown as Record<string, Route>,
    "audit/verify": (await import("@/app/api/v1/audit/verify/route")) as unknown as Record<string, Route>,
    "users/invites": (await import("@/app/api/v1/users/invites/route")) as unknown as Record<string, Route>,
  };
}, 60_000);

afterAll(async () => {
  const { db } = await import("@/lib/db");
  await db.$disconnect();
  rmSync(dataDir, { recursive: true, force: true });
  await tdb.drop();
});

const auditRows = () => tdb.sql<{ id: number; action: string; result: string; ip: string }>('SELECT id, action, result, ip FROM "AuditEvent" ORDER BY id');

describe("audit events", () => {
  let token = "";

  it("writes exactly one event per mutation, with actor and ip", async () => {
    const before = (await auditRows()).length;
    const setup = await call("auth/setup", "POST", { email: "owner@example.com", password: PASSWORD });
    expect(setup.status).toBe(201);
    const created = await call("tokens", "POST", { name: "ci" }, { cookie: setup.cookie, "x-stoker-csrf": "1" });
    expect(created.status).toBe(201);
    token = String(created.body.token);
    const rows = (await auditRows()).slice(before);
    expect(rows.map((r) => r.action)).toEqual(["user.owner-created", "token.created"]);
    expect(rows.every((r) => r.ip === "10.0.0.9" && r.result === "success")).toBe(true);
  });

  it("never marks a failed mutation as a success", async () => {
    const before = (await auditRows()).length;
    const refused = await call("users/invites", "POST", { email: "owner@example.com", role: "viewer" }, { authorization: `Bearer ${token}` });
    expect(refused.status).toBe(409); // that user already exists
    expect((await auditRows()).slice(before).filter((r) => r.result === "success")).toEqual([]);
    const bad = await call("auth/login", "POST", { email: "owner@example.com", password: "wrong" });
    expect(bad.status).toBe(401);
    expect((await auditRows()).at(-1)).toMatchObject({ action: "auth.login", result: "failure" });
  });

  it("verifies an intact chain, and finds an edited row and a deleted row", async () => {
    const ok = await call("audit/verify", "GET", undefined, { authorization: `Bearer ${token}` });
    expect(ok.body).toMatchObject({ ok: true, firstBrokenId: null });
    const rows = await auditRows();
    await tdb.sql(`UPDATE "AuditEvent" SET "actorLabel" = 'someone else' WHERE id = $1`, rows[1].id);
    const edited = await call("audit/verify", "GET", undefined, { authorization: `Bearer ${token}` });
    expect(edited.body).toMatchObject({ ok: false, firstBrokenId: rows[1].id });
    await tdb.sql('UPDATE "AuditEvent" SET "actorLabel" = (SELECT "actorLabel" FROM "AuditEvent" WHERE id = $1) WHERE id = $2', rows[0].id, rows[1].id);
    await tdb.sql('DELETE FROM "AuditEvent" WHERE id = $1', rows.at(-1)?.id); // the newest: only the head catches it
    const deleted = await call("audit/verify", "GET", undefined, { authorization: `Bearer ${token}` });
    expect(deleted.body.ok).toBe(false);
  });
});

describe("account security", () => {
  it("locks an account for the address that sent 5 wrong passwords, even for the right one, and only there", async () => {
    const from = { "x-stoker-remote-addr": "10.0.0.20" };
    for (let i = 0; i < 5; i++) expect((await call("auth/login", "POST", { email: "owner@example.com", password: `nope-${i}` }, from)).status).toBe(401);
    const locked = await call("auth/login", "POST", { email: "owner@example.com", password: PASSWORD }, from);
    expect(locked.status).toBe(429);
    expect(String(locked.body.message)).toMatch(/from your address/);
    const elsewhere = await call("auth/login", "POST", { email: "owner@example.com", password: PASSWORD }, { "x-stoker-remote-addr": "10.0.0.10" });
    expect(elsewhere.status).toBe(200);
  });

  it("refuses an expired token and a token above its owner's role", async () => {
    const login = await call("auth/login", "POST", { email: "owner@example.com", password: PASSWORD }, { "x-stoker-remote-addr": "10.0.0.10" });
    const created = await call("tokens", "POST", { name: "short", expiresInDays: 1 }, { cookie: login.cookie, "x-stoker-csrf": "1" });
    await tdb.sql(`UPDATE "ApiToken" SET "expiresAt" = $1 WHERE name = 'short'`, new Date(Date.now() - 1000));
    const expired = await call("audit", "GET", undefined, { authorization: `Bearer ${created.body.token}` });
    expect(expired.status).toBe(401);
    // An admin cannot mint an owner token.
    await tdb.sql(`INSERT INTO "User" (id, email, role, "failedLogins", "createdAt", name) VALUES ('adm', 'adm@example.com', 'admin', 0, $1, 'adm')`, new Date());
    const { createSession } = await import("@/lib/auth/sessions");
    const { token } = await createSession("adm", "", "test");
    const tooHigh = await call("tokens", "POST", { name: "x", role: "owner" }, { cookie: `stoker_session=${token}`, "x-stoker-csrf": "1" });
    expect(tooHigh.status).toBe(403);
  });
});
