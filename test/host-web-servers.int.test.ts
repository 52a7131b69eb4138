// Web servers are a host setting: the agent reports each installed server with its health in its
// host facts; an owner changes the targets through the API (stored, audited, sent to the agent at
// once), and applying an app's config then uses them, with no STOKER_WEB_TARGETS at all.
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerToken, type Stack, startStack, tokenCaller, waitUntil } from "./support/stack";
import { httpGet, type RunningServer, startWebServer } from "./support/web-servers";

let nginx: RunningServer;
let stack: Stack;
let token: string;
let hostId: string;
let appId: string;

const call = tokenCaller(() => stack.url, () => token);

type Server = { server: string; running: boolean; pid: number | null; sources: string[]; configDir: string; version: string };

beforeAll(async () => {
  nginx = await startWebServer("nginx", "hostweb-nginx");
  stack = await startStack();
  token = await ownerToken(stack.url);
  const apps = await waitUntil(async () => {
    const list = (await call("GET", "/apps")).body as unknown as { id: string; host: { id: string }; spec: Record<string, unknown>; processes: unknown[] }[];
    return list.length && list[0]?.processes.length ? list : null;
  }, 60_000);
  appId = apps[0]?.id ?? "";
  hostId = apps[0]?.host.id ?? "";
  const spec = apps[0]?.spec as { socket: Record<string, unknown> };
  const put = await call("PUT", `/apps/${appId}`, {
    ...spec,
    socket: { ...spec.socket, group: "www-data", mode: "0660" },
    web: { server: "nginx", serverName: "demo.test", listen: `127.0.0.1:${nginx.port}`, mount: "/" },
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
}, 240_000);

afterAll(async () => {
  await stack?.destroy();
  await nginx?.stop();
});

describe("web servers as a host setting", () => {
  it("shows each installed server, detected by the agent, in the host's web servers", async () => {
    const res = await waitUntil(async () => {
      const r = await call("GET", `/hosts/${hostId}/web-servers`);
      return ((r.body.servers as Server[] | undefined) ?? []).length ? r : null;
    }, 30_000, "the agent's web-server facts");
    const servers = res.body.servers as Server[];
    // This machine has all three installed (scripts/install-system-deps.sh).
    expect(servers.map((s) => s.server).sort()).toEqual(["apache", "lighttpd", "nginx"]);
    const n = servers.find((s) => s.server === "nginx");
    expect(n?.version).toMatch(/^nginx\/\d/);
    expect(n?.sources).toEqual(["detected"]);
    expect(res.body.setting).toEqual({});
  });

  it("saves a new setting (audited), hands it to the agent at once, and applies through it", async () => {
    const setting = {
      nginx: { dir: nginx.snippetDir, validateArgv: nginx.testArgv, reloadArgv: nginx.reloadArgv, pidFile: nginx.pidFile, errorLog: nginx.errorLog, settleMs: 200 },
    };
    const res = await call("PUT", `/hosts/${hostId}/web-servers`, setting);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.delivered).toBe(true);
    expect(res.body.setting).toEqual(setting);
    const n = (res.body.servers as Server[]).find((s) => s.server === "nginx");
    // The agent's answer: its nginx is now the test one, running, from the host setting.
    expect(n).toMatchObject({ running: true, configDir: nginx.snippetDir, sources: ["detected", "host-setting"] });
    expect(n?.pid).toBe(Number(readFileSync(nginx.pidFile, "utf8")));
    // Kept on the host too, so an agent restart without the control plane still has it.
    expect(existsSync(path.join(stack.dataDir, "agent", "web-targets.host.json"))).toBe(true);

    const audit = (await call("GET", "/audit?action=host.web-targets")).body as { events: { action: string; result: string; after: unknown }[] };
    expect(audit.events[0]).toMatchObject({ action: "host.web-targets.updated", result: "success" });

    // No STOKER_WEB_TARGETS in this stack: the apply goes to the test nginx through the host setting.
    const applied = await call("POST", `/apps/${appId}/webconfig/apply`, { server: "nginx" });
    expect(applied.body.ok, JSON.stringify(applied.body)).toBe(true);
    const page = await httpGet(nginx.port, "/", { host: "demo.test" });
    expect(page.status).toBe(200);
  });

  it("records a failed apply as a failure in the audit, with the check that failed", async () => {
    // Another program holds the port the site would move to: nginx cannot bind and keeps its old config.
    const squatter = createServer((_req, res) => res.end("someone else")).listen(0, "127.0.0.1");
    await new Promise((r) => squatter.once("listening", r));
    const addr = squatter.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    try {
      const app = (await call("GET", `/apps/${appId}`)).body as { spec: Record<string, unknown> & { web: Record<string, unknown> } };
      const put = await call("PUT", `/apps/${appId}`, { ...app.spec, web: { ...app.spec.web, listen: `127.0.0.1:${port}` } });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      const applied = await call("POST", `/apps/${appId}/webconfig/apply`, { server: "nginx" });
      expect(applied.body, JSON.stringify(applied.body)).toMatchObject({ ok: false, rolledBack: true, serverRunning: true });
      expect(["reload-refused", "not-listener"]).toContain(applied.body.check);
      const audit = (await call("GET", "/audit?action=webconfig.")).body as { events: { action: string; result: string; after: unknown }[] };
      expect(audit.events[0]).toMatchObject({ action: "webconfig.applied", result: "failure" });
      expect(JSON.stringify(audit.events[0]?.after)).toContain(String(applied.body.check));
      // The old site still answers through nginx.
      expect((await httpGet(nginx.port, "/", { host: "demo.test" })).status).toBe(200);
    } finally {
      squatter.close();
    }
  });

  it("refuses a setting that is not one (unknown field, relative path)", async () => {
    const bad = await call("PUT", `/hosts/${hostId}/web-servers`, { nginx: { dir: "relative/dir" } });
    expect(bad.status).toBe(400);
    const unknown = await call("PUT", `/hosts/${hostId}/web-servers`, { caddy: {} });
    expect(unknown.status).toBe(400);
  });
});
