// Authorization, enumerated from the code: every route handler under app/api must declare a rule,
// the rule must match the table below (so a new route without a rule, or a weakened one, fails),
// and anonymous callers, each role's session and each role's token get exactly what the rule says.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERMISSIONS } from "@/lib/auth/roles";
import { Tally } from "./security/tally";

const dataDir = mkdtempSync(path.join(tmpdir(), "stoker-authz-"));
process.env.STOKER_DATA_DIR = dataDir;

const ROLES = ["viewer", "operator", "admin", "owner"] as const;
// The security suite's count of the matrix (issue 17 Done means): every call below the rule is an attempt.
const tally = new Tally("the authorization matrix: every route below its role");
type Role = (typeof ROLES)[number];
type Rule = Role | "public";

// The rule table: minimum role per route and method.
const EXPECTED: Record<string, Rule> = {
  "POST /agents/enroll": "public",
  "GET /apps": "viewer",
  "POST /apps": "admin",
  "GET /apps/[id]": "viewer",
  "PUT /apps/[id]": "admin",
  "DELETE /apps/[id]": "admin",
  "POST /apps/[id]/[action]": "operator",
  "GET /apps/[id]/logs": "viewer",
  "GET /apps/[id]/logs/download": "viewer",
  "POST /apps/[id]/processes/[pid]/[action]": "operator",
  "POST /apps/[id]/test-request": "operator",
  "GET /apps/[id]/tracebacks": "viewer",
  "GET /apps/[id]/schedules": "viewer",
  "POST /apps/[id]/workers/[name]/restart": "operator",
  "GET /apps/[id]/events": "viewer",
  "POST /apps/[id]/doctor": "operator",
  "POST /apps/[id]/run-by-hand": "operator",
  "POST /apps/[id]/debug-sessions": "operator",
  "GET /debug-sessions/[id]/recording": "viewer",
  "GET /apps/[id]/webconfig": "viewer",
  "POST /apps/[id]/webconfig/adopt": "admin",
  "POST /apps/[id]/webconfig/apply": "admin",
  "GET /apps/[id]/webconfig/history": "viewer",
  "POST /apps/[id]/webconfig/rollback": "admin",
  "GET /apps/[id]/deployments": "viewer",
  "POST /apps/[id]/deployments": "admin",
  "POST /apps/[id]/rollback": "admin",
  "POST /apps/[id]/retry": "admin",
  "POST /apps/[id]/revert": "admin",
  "GET /apps/[id]/deploy/refs": "viewer",
  "GET /apps/[id]/deploy/commits": "viewer",
  "GET /apps/[id]/deploy/releases": "viewer",
  "POST /apps/[id]/deploy/hook-secret": "admin",
  "GET /deployments/[id]": "viewer",
  "POST /hooks/deploy/[id]": "public",
  "GET /audit": "viewer",
  "GET /audit/export": "viewer",
  "GET /audit/verify": "viewer",
  "GET /audit/checkpoint": "admin",
  "POST /audit/checkpoint": "admin",
  "POST /auth/login": "public",
  "POST /auth/login/second-factor": "public",
  "GET /auth/totp": "viewer",
  "POST /auth/totp/enrol": "viewer",
  "POST /auth/totp/confirm": "viewer",
  "POST /auth/totp/disable": "viewer",
  "GET /auth/two-factor-policy": "viewer",
  "PUT /auth/two-factor-policy": "owner",
  "POST /auth/logout": "viewer",
  "POST /auth/logout-everywhere": "viewer",
  "GET /auth/me": "viewer",
  "GET /auth/oidc": "public",
  "GET /auth/oidc/start": "public",
  "GET /auth/oidc/callback": "public",
  "POST /auth/oidc/link": "viewer",
  "POST /auth/password": "viewer",
  "GET /auth/sessions": "viewer",
  "POST /auth/setup": "public",
  "GET /health": "public",
  "GET /hosts": "viewer",
  "POST /hosts/join-tokens": "admin",
  "GET /hosts/[id]/web-servers": "viewer",
  "PUT /hosts/[id]/web-servers": "owner",
  "POST /hosts/[id]/stop-apps": "operator",
  "POST /hosts/[id]/upgrade-agent": "admin",
  "GET /hosts/[id]/browse": "admin",
  "POST /hosts/[id]/propose": "admin",
  "POST /apps/validate": "admin",
  "POST /apps/[id]/validate": "admin",
  "GET /agent/install.sh": "public",
  "GET /agent/bundle.tar.gz": "public",
  "POST /hosts/[id]/discovery": "admin",
  "GET /invites/[token]": "public",
  "POST /invites/accept": "public",
  "GET /openapi.json": "public",
  "GET /tokens": "viewer",
  "POST /tokens": "viewer",
  "DELETE /tokens/[id]": "viewer",
  "GET /users": "admin",
  "DELETE /users/[id]": "admin",
  "PATCH /users/[id]": "admin",
  "POST /users/invites": "admin",
};

// Routes owned by later capabilities are added here as they land (the test still demands a rule).
const EXTRA: Record<string, Rule> = {
  "GET /apps/[id]/events": "viewer",
  // Alerts (issue #19): admins change, viewers read; SMTP settings are admin-only.
  "GET /notifications/channels": "viewer",
  "POST /notifications/channels": "admin",
  "GET /notifications/channels/[id]": "viewer",
  "PATCH /notifications/channels/[id]": "admin",
  "DELETE /notifications/channels/[id]": "admin",
  "POST /notifications/channels/[id]/test": "admin",
  "GET /notifications/rules": "viewer",
  "POST /notifications/rules": "admin",
  "GET /notifications/rules/[id]": "viewer",
  "PATCH /notifications/rules/[id]": "admin",
  "DELETE /notifications/rules/[id]": "admin",
  "GET /notifications/silences": "viewer",
  "POST /notifications/silences": "admin",
  "DELETE /notifications/silences/[id]": "admin",
  "GET /notifications/history": "viewer",
  "GET /notifications/alerts": "viewer",
  "GET /notifications/uptime-checks": "viewer",
  "POST /notifications/uptime-checks": "admin",
  "PATCH /notifications/uptime-checks/[id]": "admin",
  "DELETE /notifications/uptime-checks/[id]": "admin",
  "GET /notifications/uptime-checks/[id]/results": "viewer",
  "GET /notifications/smtp": "admin",
  "PUT /notifications/smtp": "admin",
  "GET /apps/[id]/mute": "viewer",
  "POST /apps/[id]/mute": "admin",
  "DELETE /apps/[id]/mute": "admin",
  // Metrics (issue #19): Prometheus scrape and an app's history, viewers read.
  "GET /metrics": "viewer",
  "GET /apps/[id]/metrics": "viewer",
  "GET /metrics/recent": "viewer",
  // A host's allowed run-as users (issue #17): everyone reads, only the owner changes.
  "GET /hosts/[id]/run-as-users": "viewer",
  "PUT /hosts/[id]/run-as-users": "owner",
};

type Handler = ((req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>) & { rule?: string };
const API = path.resolve("app/api/v1");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? routeFiles(p) : name === "route.ts" ? [p] : [];
  });
}

const routes: { key: string; handler: Handler }[] = [];
const actors: Record<string, { headers: Record<string, string>; role: Role | null }> = {};
let createSession: (userId: string, ip: string, ua: string) => Promise<{ token: string }>;
const users: Record<Role, string> = { viewer: "", operator: "", admin: "", owner: "" };

beforeAll(async () => {
  // A child process: the migration engine keeps its SQLite lock until its process exits.
  const migrated = spawnSync(process.execPath, ["scripts/migrate.mjs", "deploy"], { env: { ...process.env, STOKER_DATA_DIR: dataDir } });
  expect(migrated.status, String(migrated.stderr)).toBe(0);
  const { db } = await import("@/lib/db");
  const { hashSecret, newSecret } = await import("@/lib/auth/secrets");
  ({ createSession } = await import("@/lib/auth/sessions"));
  for (const role of ROLES) {
    const user = await db.user.create({ data: { email: `${role}@example.com`, role, passwordHash: null } });
    users[role] = user.id;
    const token = newSecret("stk");
    await db.apiToken.create({ data: { name: role, role, userId: user.id, tokenHash: hashSecret(token) } });
    actors[`token:${role}`] = { headers: { authorization: `Bearer ${token}` }, role };
  }
  actors.anonymous = { headers: {}, role: null };
  for (const file of routeFiles(API)) {
    const mod = (await import(file)) as Record<string, Handler | undefined>;
    const route = path.dirname(path.relative(API, file));
    for (const method of METHODS) {
      const handler = mod[method];
      if (handler) routes.push({ key: `${method} /${route}`, handler });
    }
  }
}, 60_000);

afterAll(() => {
  tally.report();
  rmSync(dataDir, { recursive: true, force: true });
});

async function call(key: string, handler: Handler, headers: Record<string, string>): Promise<number> {
  const [method, route] = key.split(" ");
  const params = { id: "no-such-id", action: "restart", pid: "1", token: "stki_nope" };
  const url = `http://localhost/api/v1${route.replace(/\[(\w+)\]/g, (_m, p: keyof typeof params) => params[p])}`;
  const req = new Request(url, { method, headers: { "content-type": "application/json", ...headers }, body: method === "GET" ? undefined : "{}" });
  const res = await handler(req, { params: Promise.resolve(params) });
  return res.status;
}

describe("the rule table", () => {
  it("covers every route handler, and every handler declares the rule the table expects", () => {
    expect(routes.length).toBeGreaterThan(30);
    const table = { ...EXPECTED, ...EXTRA };
    for (const { key, handler } of routes) {
      expect(handler.rule, `${key} has no rule`).toBeDefined();
      expect(table[key], `${key} is missing from the rule table`).toBeDefined();
      const declared = handler.rule === "public" ? "public" : PERMISSIONS[handler.rule as keyof typeof PERMISSIONS];
      expect(declared, `${key} declares ${handler.rule}`).toBe(table[key]);
    }
    for (const key of Object.keys(table)) expect(routes.some((r) => r.key === key), `${key} in the table but not in the code`).toBe(true);
  });
});

describe("each caller gets what the rule says", () => {
  it("anonymous: 401 everywhere but public routes", async () => {
    for (const { key, handler } of routes) {
      const status = await call(key, handler, {});
      if (EXPECTED[key] === "public") expect(status, key).not.toBe(401);
      else await tally.attack(`anonymous → ${key}`, () => status === 401 || `got ${status}`);
    }
    tally.expectAllRefused(30);
  });

  for (const kind of ["session", "token"] as const) {
    for (const role of ROLES) {
      it(`${role} ${kind}: allowed at or above its role, 403 below`, async () => {
        for (const { key, handler } of routes) {
          const rule = { ...EXPECTED, ...EXTRA }[key];
          if (rule === "public") continue;
          // A fresh session per call: some calls (log out everywhere) end the caller's sessions.
          const headers =
            kind === "token" ? actors[`token:${role}`].headers : { cookie: `stoker_session=${(await createSession(users[role], "", "test")).token}`, "x-stoker-csrf": "1" };
          const status = await call(key, handler, headers);
          const allowed = ROLES.indexOf(role) >= ROLES.indexOf(rule);
          if (allowed) expect([401, 403], `${role} ${kind} → ${key} got ${status}`).not.toContain(status);
          else await tally.attack(`${role} ${kind} → ${key}`, () => status === 403 || `got ${status}`);
        }
        tally.expectAllRefused();
      });
    }
  }

  it("refuses a cookie-authenticated change without the CSRF header", async () => {
    const route = routes.find((r) => r.key === "POST /tokens");
    const { token } = await createSession(users.owner, "", "test");
    const status = await call("POST /tokens", route!.handler, { cookie: `stoker_session=${token}` });
    await tally.attack("a cookie-authenticated change without the CSRF header", () => status === 403 || `got ${status}`);
    tally.expectAllRefused();
  });
});

// Every message a browser may send over /ws/ui, enumerated from the schema. The socket itself needs a
// session or token (tested in stack.int.test.ts); on top of that, terminal frames need the session's owner.
const WS_RULES: Record<string, "viewer" | "session-owner"> = {
  ping: "viewer",
  "logs.follow": "viewer",
  "logs.unfollow": "viewer",
  "pty.attach": "session-owner",
  "pty.input": "session-owner",
  "pty.resize": "session-owner",
  "pty.close": "session-owner",
};

describe("WebSocket messages", () => {
  it("every browser message type has a rule", async () => {
    const { UiToControlSchema } = await import("@/lib/protocol/ui-messages");
    const types = UiToControlSchema.options.map((o) => String(o.shape.type.value));
    expect(types.sort()).toEqual(Object.keys(WS_RULES).sort());
  });

  it("terminal frames from anyone but the session's owner are refused", async () => {
    const { ptyRelay } = await import("@/lib/debug/pty-relay");
    const relay = ptyRelay();
    relay.register("sess-1", "no-host", users.operator);
    const fakeSocket = { once: () => {}, readyState: 1, OPEN: 1, send: () => {} } as unknown as import("ws").WebSocket;
    expect(relay.attach(fakeSocket, users.viewer, "sess-1")).toBe(false);
    expect(relay.forward(users.admin, { type: "pty.input", sessionId: "sess-1", data: "id\n" })).toBe(false);
    expect(relay.attach(fakeSocket, users.operator, "sess-1")).toBe(true);
  });
});
