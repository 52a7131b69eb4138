// Two apps on one site (issue #16 leftover): lighttpd and Apache error-log lines name no socket, so
// on a site with several apps a handler's traceback used to land in the site's first app. Here app
// "aa-first" is mounted at "/" and "bb-second" at "/second" on one real lighttpd / Apache site; a
// ZeroDivisionError raised in bb-second's handler must reach bb-second's Tracebacks (lighttpd: by
// the mount's own error log; Apache: by the request URI the rendered ErrorLogFormat adds, longest
// mount prefix winning over "/"), and nothing of it may reach aa-first.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readTail } from "@/agent/logs/read-positions";
import { AppSpecSchema, type WebServer } from "@/lib/protocol";
import { appsBehindWebServer } from "./support/apps-behind-web-server";
import { RUN_AS } from "./support/fixture-apps";
import { waitUntil } from "./support/wait";
import { httpGet } from "./support/web-servers";

const FIXTURE = path.resolve("test/fixtures/flup-errors.fcgi");

describe.each<WebServer>(["lighttpd", "apache"])("two apps on one %s site", (kind) => {
  const ids = { first: `aa-first-${kind}`, second: `bb-second-${kind}` };
  const web = appsBehindWebServer({
    kind,
    label: `two-${kind}`,
    siteLogs: true,
    errorLog: true,
    apps: ({ dir, port }) =>
      [
        [ids.first, "/"],
        [ids.second, "/second"],
      ].map(([name, mount]) =>
        AppSpecSchema.parse({
          name,
          hostId: "h",
          command: ["/usr/bin/python3", FIXTURE],
          socket: { path: path.join(dir, `${name}.sock`), group: "www-data", mode: "0660" },
          ...RUN_AS,
          web: { server: kind, serverName: "two.test", listen: `127.0.0.1:${port}`, mount },
        }),
      ),
  });

  beforeAll(() => {
    expect(web.site.apps.map((a) => a.name)).toEqual([ids.first, ids.second]);
  });

  it("gives the second app's handler traceback to the second app, not the site's first", async () => {
    await new Promise((r) => setTimeout(r, 600)); // the watchers start at the end of each log
    expect((await httpGet(web.server.port, "/second/divide?7", { host: "two.test" })).status).toBe(500);
    const group = await waitUntil(async () => web.supervisor.logs.tracebacks(ids.second).find((g) => g.type === "ZeroDivisionError") ?? null, 15_000, "bb-second's ZeroDivisionError group");
    expect(group.sample).toContain("share = total / 0");
    const second = await readTail(path.join(web.stateDir, "logs", ids.second), 200);
    expect(second.some((l) => l.stream === "web" && l.text === "ZeroDivisionError: division by zero")).toBe(true);

    // And the first app's own traceback stays the first app's (its mount is "/": the shortest prefix).
    expect((await httpGet(web.server.port, "/divide?5", { host: "two.test" })).status).toBe(500);
    await waitUntil(async () => web.supervisor.logs.tracebacks(ids.first).find((g) => g.type === "ZeroDivisionError") ?? null, 15_000, "aa-first's own group");
    await new Promise((r) => setTimeout(r, 1000));
    const firstWeb = (await readTail(path.join(web.stateDir, "logs", ids.first), 400)).filter((l) => l.stream === "web");
    const secondWeb = (await readTail(path.join(web.stateDir, "logs", ids.second), 400)).filter((l) => l.stream === "web");
    // Each request raised once: one ZeroDivisionError line in each app's log, none crossed over.
    expect(firstWeb.filter((l) => l.text === "ZeroDivisionError: division by zero").length).toBe(1);
    expect(secondWeb.filter((l) => l.text === "ZeroDivisionError: division by zero").length).toBe(1);
    expect(web.supervisor.logs.tracebacks(ids.first).find((g) => g.type === "ZeroDivisionError")?.count).toBe(1);
    expect(web.supervisor.logs.tracebacks(ids.second).find((g) => g.type === "ZeroDivisionError")?.count).toBe(1);
  }, 60_000);
});
