// Taking apps out of service through the whole stack: "stop all apps on this host" (each app stopped
// and audited, one host row), and deleting an app, which removes its processes, its socket and its
// web config through the agent's apply pipeline (a real nginx keeps a valid config and reloads).
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet, type RunningServer, run, startWebServer } from "./support/web-servers";
import { ownerToken, type Stack, startStack, tokenCaller, waitUntil } from "./support/stack";
import { isAlive } from "@/agent/supervisor/proc-stats";

let nginx: RunningServer;
let stack: Stack;
let token: string;

type App = { id: string; name: string; desired: string; host: { id: string }; spec: Record<string, unknown> & { socket: Record<string, unknown> }; processes: { pid: number; state: string }[] };
const call = tokenCaller(() => stack.url, () => token);
const apps = async () => (await call("GET", "/apps")).body as unknown as App[];
const running = (a: App | undefined, n: number) => a && a.processes.length === n && a.processes.every((p) => p.state === "RUNNING") && a;
const auditActions = async (since: number) =>
  ((await call("GET", "/audit?limit=50")).body as { events: { id: number; action: string; target: string; after: unknown }[] }).events.filter((e) => e.id > since);
const lastAudit = async () => ((await call("GET", "/audit?limit=1")).body as { events: { id: number }[] }).events[0].id;

beforeAll(async () => {
  nginx = await startWebServer("nginx", "stop-delete");
  stack = await startStack({
    STOKER_WEB_TARGETS: JSON.stringify({ nginx: { dir: nginx.snippetDir, validateArgv: nginx.testArgv, reloadArgv: nginx.reloadArgv, settleMs: 200 } }),
  });
  token = await ownerToken(stack.url);
  const demo = await waitUntil(async () => running((await apps()).find((a) => a.name === "demo"), 2), 60_000, "the demo app");
  // A second app on the same host with a site on nginx: the one deleted below.
  const created = await call("POST", "/apps", {
    ...demo.spec,
    name: "doomed",
    processes: 1,
    socket: { ...demo.spec.socket, path: `${stack.dataDir}/run/doomed.sock`, group: "www-data", mode: "0660" },
    web: { server: "nginx", serverName: "doomed.test", listen: `127.0.0.1:${nginx.port}`, mount: "/" },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await waitUntil(async () => running((await apps()).find((a) => a.name === "doomed"), 1), 60_000, "the doomed app");
}, 240_000);

afterAll(async () => {
  await stack?.destroy();
  await nginx?.stop();
});

describe("stop all apps on a host", () => {
  it("stops every app there, audits each app and the host, and leaves stopped apps alone the second time", async () => {
    const before = await apps();
    const pids = before.flatMap((a) => a.processes.map((p) => p.pid));
    expect(pids).toHaveLength(3);
    const since = await lastAudit();
    const res = await call("POST", `/hosts/${before[0].host.id}/stop-apps`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((res.body.stopped as { name: string }[]).map((a) => a.name)).toEqual(["demo", "doomed"]);
    expect(res.body.failed).toEqual([]);
    await waitUntil(async () => pids.every((p) => !isAlive(p)), 20_000, "every process to end");
    expect((await apps()).map((a) => a.desired)).toEqual(["stopped", "stopped"]);
    const rows = await auditActions(since);
    expect(rows.map((e) => `${e.action} ${e.target}`).sort()).toEqual(["app.stop app:demo", "app.stop app:doomed", "host.stop-apps host:local"]);
    expect(rows.find((e) => e.action === "host.stop-apps")?.after).toEqual({ stopped: ["demo", "doomed"], failed: [] });

    const again = await call("POST", `/hosts/${before[0].host.id}/stop-apps`);
    expect(again.body.stopped).toEqual([]);
    expect(await call("POST", "/hosts/nope/stop-apps").then((r) => r.status)).toBe(404);
  });
});

describe("deleting an app", () => {
  it("removes its processes, socket and web config through the pipeline; nginx stays valid", async () => {
    const doomed = (await apps()).find((a) => a.name === "doomed") as App;
    expect((await call("POST", `/apps/${doomed.id}/start`)).status).toBe(200);
    const up = await waitUntil(async () => running((await apps()).find((a) => a.name === "doomed"), 1), 30_000, "doomed to run again");
    const applied = await call("POST", `/apps/${doomed.id}/webconfig/apply`, { server: "nginx" });
    expect(applied.body.ok, JSON.stringify(applied.body)).toBe(true);
    expect((await httpGet(nginx.port, "/", { host: "doomed.test" })).status).toBe(200);
    const configFile = String((await call("GET", `/apps/${doomed.id}/webconfig?server=nginx`)).body.path);
    const socket = `${stack.dataDir}/run/doomed.sock`;
    expect(existsSync(configFile) && existsSync(socket)).toBe(true);
    const since = await lastAudit();

    const res = await call("DELETE", `/apps/${doomed.id}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(isAlive(up.processes[0].pid)).toBe(false);
    expect(existsSync(socket)).toBe(false);
    expect(existsSync(configFile)).toBe(false);
    expect((await run(nginx.testArgv)).code).toBe(0);
    expect((await httpGet(nginx.port, "/", { host: "doomed.test" })).status).not.toBe(200);
    expect((await call("GET", `/apps/${doomed.id}`)).status).toBe(404);
    expect((await auditActions(since)).map((e) => `${e.action} ${e.target}`)).toEqual(["app.deleted app:doomed"]);
  });
});
