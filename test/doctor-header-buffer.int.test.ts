// Issue #16 item 5: an app whose response headers pass nginx's buffer gets a 502 through nginx while
// a request straight to its socket says 200. The doctor reads nginx's line about it (attributed to
// the app by socket) and names web.extra.headerBufferSize; with a larger size the same page passes.
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderSite } from "@/agent/render/index";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { type AppSpec, AppSpecSchema, type DoctorReport, siteOf } from "@/lib/protocol";
import { RUN_AS } from "./support/fixture-apps";
import { waitUntil } from "./support/stack";
import { httpGet, makeTempDir, type RunningServer, startWebServer, webTargetOf } from "./support/web-servers";

const ECHO = path.resolve("examples/echo/echo.mjs");
const appId = "cookie-heavy";

describe("the doctor on an app whose headers are too big for nginx", () => {
  let dir: string;
  let server: RunningServer;
  let supervisor: Supervisor;
  const spec = (extra = {}): AppSpec =>
    AppSpecSchema.parse({
      name: appId,
      hostId: "h",
      command: [process.execPath, ECHO],
      socket: { path: path.join(dir, `${appId}.sock`), group: "www-data", mode: "0660" },
      ...RUN_AS,
      web: { server: "nginx", serverName: "cookies.test", listen: `127.0.0.1:${server.port}`, mount: "/", extra },
    });
  const applySite = async (s: AppSpec) => {
    const site = siteOf(s, []);
    if (!site) throw new Error("no site");
    const text = renderSite(site);
    if (!text.ok) throw new Error(text.message);
    writeFileSync(path.join(server.snippetDir, site.fileName), text.value);
    await server.reload();
  };

  beforeAll(async () => {
    dir = makeTempDir("doctor-headers");
    server = await startWebServer("nginx", "doctor-headers");
    supervisor = new Supervisor({ stateDir: path.join(dir, "state"), socketDirs: [dir], webErrorLogs: { nginx: server.errorLog }, webTargets: { nginx: webTargetOf(server) } });
    const put = await supervisor.put({ appId, revision: 1, desired: "running", spec: spec(), rootApproved: true });
    expect(put.ok, JSON.stringify(put)).toBe(true);
    await applySite(spec());
    await waitUntil(async () => ((await httpGet(server.port, "/", { host: "cookies.test" })).status === 200 ? true : null), 15_000, "the app through nginx");
  }, 60_000);

  afterAll(async () => {
    if (supervisor) expect(await supervisor.execute({ op: "app.remove", appId })).toMatchObject({ ok: true });
    supervisor?.detachAll();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("names web.extra.headerBufferSize after nginx answered 502 for 40 KiB of cookies, and the page passes once it is raised", async () => {
    await new Promise((r) => setTimeout(r, 500)); // the watcher starts at the end of the log
    // 40 cookies of 1 KiB: over the default 32k.
    expect((await httpGet(server.port, "/account?cookies=40", { host: "cookies.test" })).status).toBe(502);
    const report = await waitUntil(async () => {
      const r = await supervisor.execute({ op: "app.doctor", appId, allowRoot: true });
      const value = r.ok ? (r.value as DoctorReport) : null;
      return value?.findings.some((f) => f.code === "response-headers-too-big") ? value : null;
    }, 20_000, "the doctor's finding");
    const finding = report.findings.find((f) => f.code === "response-headers-too-big");
    expect(finding?.title).toContain("now 32k");
    expect(finding?.fix).toContain("web.extra.headerBufferSize");
    expect(finding?.detail).toContain("upstream sent too big header");

    await applySite(spec({ headerBufferSize: "64k" }));
    const a = await httpGet(server.port, "/account?cookies=40", { host: "cookies.test" });
    expect(a.status).toBe(200);
    expect(a.headers["set-cookie"]).toHaveLength(40);
  }, 60_000);
});
