// The access log each server's rendered site writes is the one the agent reads (issue #19): behind
// a real lighttpd and a real Apache (nginx: test/metrics.int.test.ts), a few requests to a php-cgi
// app (its defaults) show up with their status classes and a latency in the app's next sample.
// lighttpd runs with the modules of Debian's stock lighttpd.conf (no mod_fastcgi, mod_setenv or
// mod_accesslog): the rendered site must load what it needs, or no access log is written.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type AppSample, AppSpecSchema, type WebServer } from "@/lib/protocol";
import { appsBehindWebServer } from "./support/apps-behind-web-server";
import { appSpecFor } from "./support/fixture-apps";
import { waitUntil } from "./support/wait";
import { httpGet, LIGHTTPD_STOCK_MODULES } from "./support/web-servers";

const SLOW_PHP = path.resolve("test/fixtures/slow.php");

describe.each<WebServer>(["lighttpd", "apache"])("requests behind %s", (kind) => {
  const appId = `m-${kind}`;
  const host = `${kind}.metrics.test`;
  const web = appsBehindWebServer({
    kind,
    label: `macc-${kind}`,
    server: { lighttpdModules: LIGHTTPD_STOCK_MODULES },
    siteLogs: true,
    metrics: true,
    apps: ({ dir, port }) => [
      AppSpecSchema.parse({
        ...appSpecFor("php", path.join(dir, "php.sock"), { fastcgiParams: { SCRIPT_FILENAME: SLOW_PHP } }),
        name: appId,
        socket: { path: path.join(dir, "php.sock"), group: "www-data", mode: "0660" },
        web: { server: kind, serverName: host, listen: `127.0.0.1:${port}`, mount: "/app" },
      }),
    ],
  });

  it("counts the app's requests by status class with their latency, and not the site's other URLs", async () => {
    // The warm-up requests are read (lighttpd writes its buffered log out late) and end with this interval.
    const window = web.supervisor.metrics.access.window(appId);
    await waitUntil(async () => (window.totals.requests > 0 ? true : null), 10_000, "the warm-up read");
    await new Promise((r) => setTimeout(r, 1000));
    web.supervisor.metrics.tick(Date.now());
    // The agent's own 10 s sampler may end an interval while these requests are read: its samples count too.
    const samples: AppSample[] = [];
    web.supervisor.metrics.setSender((batch) => samples.push(...batch.filter((s) => s.appId === appId)));
    const before = window.totals.requests;
    const statuses = [200, 200, 200, 200, 200, 404, 503, 503];
    for (const s of statuses) expect((await httpGet(web.server.port, `/app/x?ms=30&status=${s}`, { host })).status).toBe(s);
    // Not the app's: the server's own answer outside the mount.
    await httpGet(web.server.port, "/elsewhere", { host });
    // lighttpd buffers its access log and writes it out every few seconds.
    await waitUntil(async () => (window.totals.requests - before >= statuses.length ? true : null), 10_000, "the lines read").catch((e: unknown) => {
      // Say what the server wrote, if anything.
      const files = readdirSync(web.siteLogDir).map((f) => `${f}:\n${readFileSync(path.join(web.siteLogDir, f), "utf8").slice(-2000)}`);
      throw new Error(`${String(e)}; counted ${window.totals.requests - before}; site logs: ${files.join("\n")}`);
    });
    web.supervisor.metrics.tick(Date.now());
    const counted = samples.filter((s) => s.requests > 0);
    const sum = (k: "requests" | "status2xx" | "status4xx" | "status5xx") => counted.reduce((n, s) => n + s[k], 0);
    expect({ requests: sum("requests"), status2xx: sum("status2xx"), status4xx: sum("status4xx"), status5xx: sum("status5xx") }).toEqual({
      requests: statuses.length,
      status2xx: 5,
      status4xx: 1,
      status5xx: 2,
    });
    // 30 ms in the app: the server's request time is at least that (µs in %D, read as ms), and not seconds.
    for (const s of counted) {
      expect(s.p50Ms).toBeGreaterThanOrEqual(29);
      expect(s.p99Ms).toBeLessThan(3000);
    }
  }, 30_000);
});
