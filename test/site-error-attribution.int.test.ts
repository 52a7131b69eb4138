// Two apps on one site (issue #16 leftover): lighttpd and Apache error-log lines name no socket, so
// on a site with several apps a handler's traceback used to land in the site's first app. Here app
// "aa-first" is mounted at "/" and "bb-second" at "/second" on one real lighttpd / Apache site; a
// ZeroDivisionError raised in bb-second's handler must reach bb-second's Tracebacks (lighttpd: by
// the mount's own error log; Apache: by the request URI the rendered ErrorLogFormat adds, longest
// mount prefix winning over "/"), and nothing of it may reach aa-first.
import { chownSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTail } from "@/agent/logs/read-positions";
import { renderSite } from "@/agent/render/index";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { type AppSpec, AppSpecSchema, siteOf, type WebServer } from "@/lib/protocol";
import { RUN_AS } from "./support/fixture-apps";
import { waitUntil } from "./support/stack";
import { httpGet, makeTempDir, type RunningServer, startWebServer, webTargetOf } from "./support/web-servers";

const FIXTURE = path.resolve("test/fixtures/flup-errors.fcgi");

describe.each<WebServer>(["lighttpd", "apache"])("two apps on one %s site", (kind) => {
  let dir: string;
  let server: RunningServer;
  let supervisor: Supervisor;
  const specs: Record<string, AppSpec> = {};
  const ids = { first: `aa-first-${kind}`, second: `bb-second-${kind}` };

  beforeAll(async () => {
    dir = makeTempDir(`two-${kind}`);
    server = await startWebServer(kind, `two-${kind}`);
    const logs = path.join(dir, "site-logs");
    mkdirSync(logs);
    chownSync(logs, 33, 33); // the servers open their logs after dropping privileges
    const spec = (name: string, mount: string) =>
      AppSpecSchema.parse({
        name,
        hostId: "h",
        command: ["/usr/bin/python3", FIXTURE],
        socket: { path: path.join(dir, `${name}.sock`), group: "www-data", mode: "0660" },
        ...RUN_AS,
        web: { server: kind, serverName: "two.test", listen: `127.0.0.1:${server.port}`, mount },
      });
    specs.first = spec(ids.first, "/");
    specs.second = spec(ids.second, "/second");
    supervisor = new Supervisor({ stateDir: path.join(dir, "state"), socketDirs: [dir], webErrorLogs: { [kind]: server.errorLog }, webTargets: { [kind]: webTargetOf(server, { siteLogDir: logs }) } });
    for (const [key, s] of Object.entries(specs)) {
      const put = await supervisor.put({ appId: ids[key as keyof typeof ids], revision: 1, desired: "running", spec: s, rootApproved: true });
      expect(put.ok, JSON.stringify(put)).toBe(true);
    }
    const site = siteOf(specs.second, [specs.first], kind);
    if (!site) throw new Error("no site");
    expect(site.apps.map((a) => a.name)).toEqual([ids.first, ids.second]);
    const rendered = renderSite(site, { logDir: logs });
    if (!rendered.ok) throw new Error(rendered.message);
    writeFileSync(path.join(server.snippetDir, site.fileName), rendered.value); // where the agent re-applies it on removal
    await server.reload();
    for (const p of ["/", "/second/"]) await waitUntil(async () => ((await httpGet(server.port, p, { host: "two.test" })).status === 200 ? true : null), 15_000, `${p} through the server`);
  }, 60_000);

  afterAll(async () => {
    // Each removal re-applies the site through the test server: a refused one would keep the app running.
    if (supervisor) for (const id of Object.values(ids)) expect(await supervisor.execute({ op: "app.remove", appId: id })).toMatchObject({ ok: true });
    supervisor?.detachAll();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("gives the second app's handler traceback to the second app, not the site's first", async () => {
    await new Promise((r) => setTimeout(r, 600)); // the watchers start at the end of each log
    expect((await httpGet(server.port, "/second/divide?7", { host: "two.test" })).status).toBe(500);
    const group = await waitUntil(async () => supervisor.logs.tracebacks(ids.second).find((g) => g.type === "ZeroDivisionError") ?? null, 15_000, "bb-second's ZeroDivisionError group");
    expect(group.sample).toContain("share = total / 0");
    const second = await readTail(path.join(dir, "state", "logs", ids.second), 200);
    expect(second.some((l) => l.stream === "web" && l.text === "ZeroDivisionError: division by zero")).toBe(true);

    // And the first app's own traceback stays the first app's (its mount is "/": the shortest prefix).
    expect((await httpGet(server.port, "/divide?5", { host: "two.test" })).status).toBe(500);
    await waitUntil(async () => supervisor.logs.tracebacks(ids.first).find((g) => g.type === "ZeroDivisionError") ?? null, 15_000, "aa-first's own group");
    await new Promise((r) => setTimeout(r, 1000));
    const firstWeb = (await readTail(path.join(dir, "state", "logs", ids.first), 400)).filter((l) => l.stream === "web");
    const secondWeb = (await readTail(path.join(dir, "state", "logs", ids.second), 400)).filter((l) => l.stream === "web");
    // Each request raised once: one ZeroDivisionError line in each app's log, none crossed over.
    expect(firstWeb.filter((l) => l.text === "ZeroDivisionError: division by zero").length).toBe(1);
    expect(secondWeb.filter((l) => l.text === "ZeroDivisionError: division by zero").length).toBe(1);
    expect(supervisor.logs.tracebacks(ids.first).find((g) => g.type === "ZeroDivisionError")?.count).toBe(1);
    expect(supervisor.logs.tracebacks(ids.second).find((g) => g.type === "ZeroDivisionError")?.count).toBe(1);
  }, 60_000);
});
