// Security: uid 0 is the owner's decision (lib/protocol/run-as.ts). Every way of making something
// run as a user (app create and update, build steps, deploys, run-by-hand, the doctor, terminals,
// root's group, reading the host's files) is tried as an admin and an operator asking for root; each attempt is counted,
// every one must be refused, and nothing may have run as root on their behalf.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerToken, type Stack, startStack, waitUntil } from "../support/stack";
import { Tally } from "./tally";

const tally = new Tally("item 1: uid 0 is the owner's decision");

let stack: Stack;
let owner: string;
let hostId: string;

async function call(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> };
}

async function userWithRole(role: string): Promise<string> {
  const email = `${role}-runas@example.com`;
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
  ...extra,
});

beforeAll(async () => {
  stack = await startStack();
  owner = await ownerToken(stack.url);
  const apps = await waitUntil(async () => {
    const list = (await call(owner, "GET", "/apps")).body as unknown as { id: string; host: { id: string }; processes: { state: string }[] }[];
    return list[0]?.processes.length === 2 && list[0].processes.every((p) => p.state === "RUNNING") ? list : null;
  }, 30_000);
  hostId = apps[0].host.id;
}, 180_000);

afterAll(async () => {
  tally.report();
  await stack?.destroy();
});

describe("running as root needs the owner", () => {
  it("refuses every root request from admins and operators, and lets the owner make them", async () => {
    const admin = await userWithRole("admin");
    const operator = await userWithRole("operator");
    // The owner's root app: what operators and admins then try to reach uid 0 through.
    const rootApp = await call(owner, "POST", "/apps", spec("owners-root", { user: "root", deploy: { root: `${stack.dataDir}/deploy-owners-root`, source: { archive: true } } }));
    expect(rootApp.status, JSON.stringify(rootApp.body)).toBe(201);
    const rootId = String(rootApp.body.id);
    const nonRoot = await call(owner, "POST", "/apps", spec("plain", { user: "nobody", cwd: "/tmp" }));
    expect(nonRoot.status, JSON.stringify(nonRoot.body)).toBe(201);
    const plainId = String(nonRoot.body.id);

    type Attempt = { who: string; what: string; send: () => Promise<{ status: number; body: Record<string, unknown> }> };
    const attempts: Attempt[] = [];
    for (const [who, token] of [["admin", admin], ["operator", operator]] as const) {
      attempts.push(
        { who, what: "create an app as root", send: () => call(token, "POST", "/apps", spec(`${who}-root`, { user: "root" })) },
        { who, what: "create an app with build steps as root", send: () => call(token, "POST", "/apps", spec(`${who}-build`, { user: "root", deploy: { root: `${stack.dataDir}/d-${who}`, source: { archive: true }, build: [["/bin/sh", "-c", "id > /tmp/pwned"]] } })) },
        { who, what: "turn an app into a root app", send: () => call(token, "PUT", `/apps/${plainId}`, spec("plain", { user: "root" })) },
        // Root's group is root's too: www-data with gid 0 reads and writes what root's group may.
        { who, what: "create an app with group root", send: () => call(token, "POST", "/apps", spec(`${who}-gid0`, { user: "nobody", group: "root", cwd: "/tmp" })) },
        { who, what: "move an app to group root", send: () => call(token, "PUT", `/apps/${plainId}`, spec("plain", { user: "nobody", group: "root", cwd: "/tmp" })) },
        { who, what: "change the owner's root app", send: () => call(token, "PUT", `/apps/${rootId}`, spec("owners-root", { user: "root", command: ["/bin/sleep", "601"] })) },
        { who, what: "run the owner's root app by hand", send: () => call(token, "POST", `/apps/${rootId}/run-by-hand`) },
        { who, what: "run the doctor (one instance) of the owner's root app", send: () => call(token, "POST", `/apps/${rootId}/doctor`) },
        { who, what: "open a root terminal", send: () => call(token, "POST", `/apps/${plainId}/debug-sessions`, { user: "root" }) },
        { who, what: "open a terminal as the root app's own user", send: () => call(token, "POST", `/apps/${rootId}/debug-sessions`, {}) },
        { who, what: "deploy new code into the root app", send: () => call(token, "POST", `/apps/${rootId}/deployments`, {}) },
        // The guided form reads the host as the user it names: as root that is every file there.
        { who, what: "list a directory as root", send: () => call(token, "GET", `/hosts/${hostId}/browse?path=/root&user=root`) },
        { who, what: "have a file read as root", send: () => call(token, "POST", `/hosts/${hostId}/propose`, { script: "/etc/shadow", user: "root", name: "peek" }) },
      );
    }
    for (const a of attempts) {
      await tally.attack(`${a.who}: ${a.what}`, async () => {
        const r = await a.send();
        return r.status === 403 || `${r.status} ${JSON.stringify(r.body).slice(0, 200)}`;
      });
    }
    tally.expectAllRefused(attempts.length);

    // Nothing changed: the plain app still runs as nobody, the root app's spec is the owner's.
    const plainSpec = (await call(owner, "GET", `/apps/${plainId}`)).body.spec as { user: string; group?: string };
    expect([plainSpec.user, plainSpec.group]).toEqual(["nobody", undefined]);
    expect(((await call(owner, "GET", `/apps/${rootId}`)).body.spec as { command: string[] }).command).toEqual(["/bin/sleep", "600"]);

    // The owner may: a root terminal, a listing as root.
    expect((await call(owner, "POST", `/apps/${plainId}/debug-sessions`, { user: "root" })).status).toBe(201);
    expect((await call(owner, "GET", `/hosts/${hostId}/browse?path=/root&user=root`)).status).toBe(200);
  });

  it("never runs an app as root because its user was left out", async () => {
    const refused = await tally.attack("owner: an app without a user on a root agent", async () => {
      const r = await call(owner, "POST", "/apps", spec("no-user"));
      return (r.status === 400 && JSON.stringify(r.body).includes("never means root")) || `${r.status} ${JSON.stringify(r.body).slice(0, 200)}`;
    });
    expect(refused).toBe(true);
  });
});
