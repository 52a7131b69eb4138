// Errors raised inside request handlers reach the app's log and Tracebacks tab on every server
// (issue #16 item 4): a flup-like Python FastCGI app raises ZeroDivisionError in a handler and
// writes the traceback on its FastCGI stderr stream; nginx, lighttpd and Apache each log it their
// own way (nginx raw over several lines, lighttpd one line each, Apache escaped). The agent keeps
// the whole content, attributes it to the app (by socket on nginx, by the site's own error log on
// lighttpd and Apache, whose lines name no socket), groups it, and keeps the group across a restart.
// The site's error log is named by the site module and rendered into the site from siteLogDir.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readTail } from "@/agent/logs/read-positions";
import { AppSpecSchema, siteErrorLog, type WebServer } from "@/lib/protocol";
import { appsBehindWebServer } from "./support/apps-behind-web-server";
import { RUN_AS } from "./support/fixture-apps";
import { waitUntil } from "./support/wait";
import { httpGet } from "./support/web-servers";

const FIXTURE = path.resolve("test/fixtures/flup-errors.fcgi");

describe.each<WebServer>(["nginx", "lighttpd", "apache"])("a handler's traceback behind %s", (kind) => {
  const appId = `py-${kind}`;
  // siteLogs: the site gets its own error log, and the agent follows it with the site's apps.
  const web = appsBehindWebServer({
    kind,
    label: `tb-${kind}`,
    siteLogs: true,
    errorLog: true,
    apps: ({ dir, port }) => [
      AppSpecSchema.parse({
        name: appId,
        hostId: "h",
        command: ["/usr/bin/python3", FIXTURE],
        socket: { path: path.join(dir, `${appId}.sock`), group: "www-data", mode: "0660" },
        ...RUN_AS,
        web: { server: kind, serverName: "py.test", listen: `127.0.0.1:${port}`, mount: "/" },
      }),
    ],
  });

  beforeAll(() => {
    // The site module names the log, the renderer writes it in.
    expect(web.siteText).toContain(siteErrorLog(web.site, web.siteLogDir));
  });

  it("puts the whole traceback in the app's log and its Tracebacks, and keeps the group across an agent restart", async () => {
    await new Promise((r) => setTimeout(r, 500)); // the watchers start at the end of each log
    const res = await httpGet(web.server.port, "/divide?7", { host: "py.test" });
    expect(res.status).toBe(500);
    const group = await waitUntil(
      async () => web.supervisor.logs.tracebacks(appId).find((g) => g.type === "ZeroDivisionError") ?? null,
      15_000,
      "the ZeroDivisionError group",
    );
    expect(group.language).toBe("python");
    expect(group.message).toBe("division by zero");
    // Whole: every frame, down to the line that raised, not an empty or cut "FastCGI sent in stderr".
    expect(group.sample).toContain("Traceback (most recent call last):");
    expect(group.sample).toContain("share = total / 0");
    expect(group.frames.map((f) => f.func)).toEqual(["serve", "app"]);
    const lines = await readTail(path.join(web.stateDir, "logs", appId), 200);
    expect(lines.some((l) => l.stream === "web" && l.text === "ZeroDivisionError: division by zero")).toBe(true);

    // Agent restart: a new supervisor on the same state dir adopts the app and still has the group.
    await web.restartAgent();
    const after = web.supervisor.logs.tracebacks(appId).find((g) => g.fingerprint === group.fingerprint);
    expect(after).toMatchObject({ type: "ZeroDivisionError", count: 1, sample: group.sample });

    // And keeps counting into the same group. The new agent follows the site's log from its end once
    // its first status settles (a 20 ms timer a loaded machine runs late): a request made before that
    // is not its to see, so one is made again each second until one is counted.
    await new Promise((r) => setTimeout(r, 500));
    const counted = () => (web.supervisor.logs.tracebacks(appId).find((g) => g.fingerprint === group.fingerprint)?.count ?? 0) >= 2;
    await waitUntil(
      async () => {
        if (counted()) return true;
        expect((await httpGet(web.server.port, "/divide?9", { host: "py.test" })).status).toBe(500);
        return null;
      },
      20_000,
      "the second event",
      1000,
    );
  }, 60_000);
});
