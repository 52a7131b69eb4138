// Debugging through the control plane: who may open which terminal, the doctor and run-by-hand.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, ownerToken, type Stack, startStack, waitUntil } from "./support/stack";

let stack: Stack;
let owner: string;
let appId: string;

async function call(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> };
}

/** Invites a user with a role, accepts the invitation, returns an API token of theirs. */
async function userWithRole(role: string): Promise<string> {
  const email = `${role}-user@example.com`;
  const invite = await call(owner, "POST", "/users/invites", { email, role });
  expect(invite.status).toBe(201);
  const accept = await fetch(`${stack.url}/api/v1/invites/accept`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: invite.body.token, password: "another-long-password" }) });
  expect(accept.status).toBe(201);
  const cookie = accept.headers.get("set-cookie")?.split(";")[0] ?? "";
  const tok = await fetch(`${stack.url}/api/v1/tokens`, { method: "POST", headers: { cookie, "x-stoker-csrf": "1", "content-type": "application/json" }, body: JSON.stringify({ name: role }) });
  return ((await tok.json()) as { token: string }).token;
}

beforeAll(async () => {
  stack = await startStack();
  owner = await ownerToken(stack.url);
  const apps = await waitUntil(async () => {
    const list = (await call(owner, "GET", "/apps")).body as unknown as { id: string; processes: { state: string }[] }[];
    return list[0]?.processes.length === 2 && list[0].processes.every((p) => p.state === "RUNNING") ? list : null;
  }, 30_000);
  appId = apps[0].id;
}, 180_000);

afterAll(async () => {
  await stack?.destroy();
});

describe("debug sessions: who may open what", () => {
  it("refuses a viewer", async () => {
    const viewer = await userWithRole("viewer");
    const r = await call(viewer, "POST", `/apps/${appId}/debug-sessions`, { user: "www-data" });
    expect(r.status).toBe(403);
  });

  it("lets an operator open one only as the app's own user", async () => {
    const operator = await userWithRole("operator");
    const r = await call(operator, "POST", `/apps/${appId}/debug-sessions`, { user: "www-data" });
    expect(r.status).toBe(403);
    expect(String(r.body.message)).toContain("app's own user");
  });

  it("lets an admin open one as www-data but not as root", async () => {
    const admin = await userWithRole("admin");
    expect((await call(admin, "POST", `/apps/${appId}/debug-sessions`, { user: "root" })).status).toBe(403);
    const ok = await call(admin, "POST", `/apps/${appId}/debug-sessions`, { user: "www-data" });
    expect(ok.status).toBe(201);
    expect(ok.body.user).toBe("www-data");
  });

  it("lets the owner open a root terminal, and audits every opening", async () => {
    const r = await call(owner, "POST", `/apps/${appId}/debug-sessions`, { user: "root" });
    expect(r.status).toBe(201);
    const audit = (await call(owner, "GET", "/audit?action=debug.session.opened")).body as { events: { result: string; actor: { label: string } }[] };
    expect(audit.events.filter((e) => e.result === "success").map((e) => e.actor.label)).toEqual([`${ADMIN.email} (token test)`, "admin-user@example.com (token admin)"]);
  });
});

describe("diagnosis", () => {
  it("runs the app by hand: one extra instance answers one request, then is gone", async () => {
    const r = await call(owner, "POST", `/apps/${appId}/run-by-hand`);
    expect(r.status).toBe(200);
    expect(r.body.outcome).toBe("responded");
    expect((r.body.response as { status: number; body: string }).status).toBe(200);
    expect((r.body.response as { body: string }).body).toContain("Hello from the Stoker demo app");
  });

  it("runs the doctor and returns findings with codes, titles and fixes", async () => {
    const r = await call(owner, "POST", `/apps/${appId}/doctor`);
    expect(r.status).toBe(200);
    const findings = r.body.findings as { code: string; title: string }[];
    expect(Array.isArray(findings)).toBe(true);
    // The demo app itself is healthy: nothing about its script, interpreter or responses.
    for (const code of ["not-executable", "bad-shebang", "import-error", "no-response", "app-binds-elsewhere"]) expect(findings.map((f) => f.code)).not.toContain(code);
  });
});
