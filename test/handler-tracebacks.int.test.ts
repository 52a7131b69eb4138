// Errors raised inside request handlers reach the app's log and Tracebacks tab on every server
// (issue #16 item 4): a flup-like Python FastCGI app raises ZeroDivisionError in a handler and
// writes the traceback on its FastCGI stderr stream; nginx, lighttpd and Apache each log it their
// own way (nginx raw over several lines, lighttpd one line each, Apache escaped). The agent keeps
// the whole content, attributes it to the app (by socket on nginx, by the site's own error log on
// lighttpd and Apache, whose lines name no socket), groups it, and keeps the group across a restart.
// The site's error log is named by the site module and rendered into the site from siteLogDir.
import { chownSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTail } from "@/agent/logs/read-positions";
import { renderSite } from "@/agent/render/index";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { type AppSpec, AppSpecSchema, siteErrorLog, siteOf, type WebServer } from "@/lib/protocol";
import { RUN_AS } from "./support/fixture-apps";
import { waitUntil } from "./support/stack";
import { httpGet, makeTempDir, type RunningServer, startWebServer, webTargetOf } from "./support/web-servers";

const FIXTURE = path.resolve("test/fixtures/flup-errors.fcgi");

describe.each<WebServer>(["nginx", "lighttpd", "apache"])("a handler's traceback behind %s", (kind) => {
  let dir: string;
  let server: RunningServer;
  let supervisor: Supervisor;
  let spec: AppSpec;
  let siteLog: string;
  const stateDir = () => path.join(dir, "state");
  const appId = `py-${kind}`;
  // siteLogDir: each site gets its own error log there, and the agent follows it with the site's apps.
  const supervisorFor = () =>
    new Supervisor({ stateDir: stateDir(), socketDirs: [dir], webErrorLogs: { [kind]: server.errorLog }, webTargets: { [kind]: webTargetOf(server, { siteLogDir: path.join(dir, "site-logs") }) } });

  beforeAll(async () => {
    dir = makeTempDir(`tb-${kind}`);
    server = await startWebServer(kind, `tb-${kind}`);
    // lighttpd opens a site's error log after dropping privileges: the directory is its user's.
    const logs = path.join(dir, "site-logs");
    mkdirSync(logs);
    chownSync(logs, 33, 33);
    spec = AppSpecSchema.parse({
      name: appId,
      hostId: "h",
      command: ["/usr/bin/python3", FIXTURE],
      socket: { path: path.join(dir, `${appId}.sock`), group: "www-data", mode: "0660" },
      ...RUN_AS,
      web: { server: kind, serverName: "py.test", listen: `127.0.0.1:${server.port}`, mount: "/" },
    });
    supervisor = supervisorFor();
    const put = await supervisor.put({ appId, revision: 1, desired: "running", spec, rootApproved: true });
    expect(put.ok, JSON.stringify(put)).toBe(true);
    const site = siteOf(spec, [], kind);
    if (!site) throw new Error("no site");
    siteLog = siteErrorLog(site, logs);
    const rendered = renderSite(site, { logDir: logs });
    if (!rendered.ok) throw new Error(rendered.message);
    expect(rendered.value).toContain(siteLog); // the site module names the log, the renderer writes it in
    writeFileSync(path.join(server.snippetDir, site.fileName), rendered.value); // where the agent re-applies it on removal
    await server.reload();
    await waitUntil(async () => ((await httpGet(server.port, "/", { host: "py.test" })).status === 200 ? true : null), 15_000, "the app through the server");
  }, 60_000);

  afterAll(async () => {
    // The removal re-applies the site through the test server: a refused one would keep the app running.
    if (supervisor) expect(await supervisor.execute({ op: "app.remove", appId })).toMatchObject({ ok: true });
    supervisor?.detachAll();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("puts the whole traceback in the app's log and its Tracebacks, and keeps the group across an agent restart", async () => {
    await new Promise((r) => setTimeout(r, 500)); // the watchers start at the end of each log
    const res = await httpGet(server.port, "/divide?7", { host: "py.test" });
    expect(res.status).toBe(500);
    const group = await waitUntil(
      async () => supervisor.logs.tracebacks(appId).find((g) => g.type === "ZeroDivisionError") ?? null,
      15_000,
      "the ZeroDivisionError group",
    );
    expect(group.language).toBe("python");
    expect(group.message).toBe("division by zero");
    // Whole: every frame, down to the line that raised, not an empty or cut "FastCGI sent in stderr".
    expect(group.sample).toContain("Traceback (most recent call last):");
    expect(group.sample).toContain("share = total / 0");
    expect(group.frames.map((f) => f.func)).toEqual(["serve", "app"]);
    const lines = await readTail(path.join(stateDir(), "logs", appId), 200);
    expect(lines.some((l) => l.stream === "web" && l.text === "ZeroDivisionError: division by zero")).toBe(true);

    // Agent restart: a new supervisor on the same state dir adopts the app and still has the group.
    supervisor.detachAll();
    supervisor = supervisorFor();
    await supervisor.adoptAll();
    const after = supervisor.logs.tracebacks(appId).find((g) => g.fingerprint === group.fingerprint);
    expect(after).toMatchObject({ type: "ZeroDivisionError", count: 1, sample: group.sample });

    // And keeps counting into the same group.
    await new Promise((r) => setTimeout(r, 500));
    expect((await httpGet(server.port, "/divide?9", { host: "py.test" })).status).toBe(500);
    await waitUntil(async () => ((supervisor.logs.tracebacks(appId).find((g) => g.fingerprint === group.fingerprint)?.count ?? 0) >= 2 ? true : null), 15_000, "the second event");
  }, 60_000);
});
