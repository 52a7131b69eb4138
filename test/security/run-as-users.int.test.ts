// Security: a host's allowed run-as users (lib/hosts/run-as-users.ts, read by lib/auth/run-as.ts).
// An owner lists the unix users admins and operators may choose on a host; every way of choosing
// one off the list (app create and update, build steps, deploy, run-by-hand, the doctor, terminals)
// is tried as an admin and an operator and counted; editing the list is tried by both too. Root is
// allowed only when the owner lists it, and the edit is audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerToken, type Stack, startStack, waitUntil } from "../support/stack";
import { Tally } from "./tally";

const tally = new Tally("item 1: a host's allowed run-as users, edited by the owner only");

let stack: Stack;
let owner: string;
let hostId: string;

async function call(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> };
}

async function userWithRole(role: string): Promise<string> {
  const email = `${role}-list@example.com`;
  const invite = await call(owner, "POST", "/users/invites", { email, role });
  expect(invite.status).toBe(201);
  const accept = await fetch(`${stack.url}/api/v1/invites/accept`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: invite.body.token, password: "another-long-password" }) });
  const cookie = accept.headers.get("set-cookie")?.split(";")[0] ?? "";
  const tok = await fetch(`${stack.url}/api/v1/tokens`, { method: "POST", headers: { cookie, "x-stoker-csrf": "1", "content-type": "application/json" }, body: JSON.stringify({ name: role }) });
  return ((await tok.json()) as { token: string }).token;
}

const spec = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  hostId,
  command: ["/bin/sleep", "600"],
  socket: { path: `${stack.dataDir}/run/${name}.sock` },
  ready: { probe: "none" },
  cwd: "/tmp",
  ...extra,
});

/** A refusal that names the list and who may change it (not just any 403). */
function refusedNamingList(r: { status: number; body: Record<string, unknown> }, listed: string): boolean | string {
  const message = String(r.body?.message ?? "");
  if (r.status === 403 && message.includes(listed) && message.includes("Only an owner")) return true;
  return `${r.status} ${JSON.stringify(r.body).slice(0, 240)}`;
}

beforeAll(async () => {
  stack = await startStack();
  owner = await ownerToken(stack.url);
  const apps = await waitUntil(async () => {
    const list = (await call(owner, "GET", "/apps")).body as unknown as { host: { id: string } }[];
    return list[0] ? list : null;
  }, 30_000);
  hostId = apps[0].host.id;
}, 180_000);

afterAll(async () => {
  tally.report();
  await stack?.destroy();
});

describe("a host's allowed run-as users", () => {
  it("holds admins and operators to the owner's list, everywhere a user is chosen", async () => {
    const admin = await userWithRole("admin");
    const operator = await userWithRole("operator");
    expect((await call(owner, "GET", `/hosts/${hostId}/run-as-users`)).body).toEqual({ hostId, users: null });

    // Editing the list is the owner's alone.
    for (const [who, token] of [["admin", admin], ["operator", operator]] as const) {
      await tally.attack(`${who}: put root on the host's list`, async () => {
        const r = await call(token, "PUT", `/hosts/${hostId}/run-as-users`, { users: ["root"] });
        return r.status === 403 || `${r.status} ${JSON.stringify(r.body)}`;
      });
    }
    const set = await call(owner, "PUT", `/hosts/${hostId}/run-as-users`, { users: ["nobody"] });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.users).toEqual(["nobody"]);
    const bad = await call(owner, "PUT", `/hosts/${hostId}/run-as-users`, { users: ["no body"] });
    expect(bad.status).toBe(400);

    // The owner's apps: one off the list (daemon), one on it (nobody).
    const offList = await call(owner, "POST", "/apps", spec("owners-daemon", { user: "daemon", deploy: { root: `${stack.dataDir}/deploy-daemon`, source: { archive: true } } }));
    expect(offList.status, JSON.stringify(offList.body)).toBe(201);
    const offId = String(offList.body.id);
    const onList = await call(admin, "POST", "/apps", spec("admins-nobody", { user: "nobody" }));
    expect(onList.status, JSON.stringify(onList.body)).toBe(201);
    const onId = String(onList.body.id);

    type Attempt = { who: string; what: string; send: () => Promise<{ status: number; body: Record<string, unknown> }> };
    const attempts: Attempt[] = [];
    // Operators are refused the admin routes by role already; what they can reach is below.
    for (const [who, token] of [["admin", admin]] as const) {
      attempts.push(
        { who, what: "create an app as a user off the list", send: () => call(token, "POST", "/apps", spec(`${who}-daemon`, { user: "daemon" })) },
        { who, what: "create an app as root (not listed)", send: () => call(token, "POST", "/apps", spec(`${who}-root`, { user: "root" })) },
        { who, what: "create an app without a user", send: () => call(token, "POST", "/apps", spec(`${who}-nouser`)) },
        { who, what: "create an app with build steps as a user off the list", send: () => call(token, "POST", "/apps", spec(`${who}-build`, { user: "daemon", deploy: { root: `${stack.dataDir}/d-${who}`, source: { archive: true }, build: [["/bin/sh", "-c", "id"]] } })) },
        { who, what: "move a listed app to a user off the list", send: () => call(token, "PUT", `/apps/${onId}`, spec("admins-nobody", { user: "daemon" })) },
        { who, what: "deploy into an off-list app", send: () => call(token, "POST", `/apps/${offId}/deployments`, {}) },
        { who, what: "open a terminal as an off-list user", send: () => call(token, "POST", `/apps/${onId}/debug-sessions`, { user: "daemon" }) },
      );
    }
    for (const [who, token] of [["admin", admin], ["operator", operator]] as const) {
      attempts.push(
        { who, what: "run an off-list app by hand", send: () => call(token, "POST", `/apps/${offId}/run-by-hand`) },
        { who, what: "run the doctor of an off-list app", send: () => call(token, "POST", `/apps/${offId}/doctor`) },
        { who, what: "open a terminal as an off-list app's own user", send: () => call(token, "POST", `/apps/${offId}/debug-sessions`, {}) },
      );
    }
    for (const a of attempts) await tally.attack(`${a.who}: ${a.what}`, async () => refusedNamingList(await a.send(), '"nobody"'));

    // Root becomes available to admins only when the owner lists it, and goes away with the list.
    expect((await call(owner, "PUT", `/hosts/${hostId}/run-as-users`, { users: ["nobody", "root"] })).status).toBe(200);
    const rootByAdmin = await call(admin, "POST", "/apps", spec("admins-root", { user: "root" }));
    expect(rootByAdmin.status, JSON.stringify(rootByAdmin.body)).toBe(201);
    expect((await call(owner, "PUT", `/hosts/${hostId}/run-as-users`, { users: null })).status).toBe(200);
    await tally.attack("admin: create a root app once the owner removed the list", async () => {
      const r = await call(admin, "POST", "/apps", spec("admins-root-2", { user: "root" }));
      return (r.status === 403 && String(r.body.message).includes("owner")) || `${r.status} ${JSON.stringify(r.body).slice(0, 200)}`;
    });
    tally.expectAllRefused(attempts.length + 3);

    // Nothing changed underneath: the listed app still runs as nobody.
    expect(((await call(owner, "GET", `/apps/${onId}`)).body.spec as { user: string }).user).toBe("nobody");
    // Each edit is on the audit record with its before and after.
    const audit = (await call(owner, "GET", "/audit?action=host.run-as-users.updated")).body as { events: { after: { users: string[] | null } }[] };
    expect(audit.events.map((e) => e.after.users)).toEqual([null, ["nobody", "root"], ["nobody"]]);
  });
});
