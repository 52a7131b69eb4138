// Issue #16 item 5: an app whose response headers pass nginx's buffer gets a 502 through nginx while
// a request straight to its socket says 200. The doctor reads nginx's line about it (attributed to
// the app by socket) and names web.extra.headerBufferSize; with a larger size the same page passes.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type AppSpec, AppSpecSchema, type DoctorReport } from "@/lib/protocol";
import { appsBehindWebServer } from "./support/apps-behind-web-server";
import { RUN_AS } from "./support/fixture-apps";
import { waitUntil } from "./support/wait";
import { httpGet } from "./support/web-servers";

const ECHO = path.resolve("examples/echo/echo.mjs");
const appId = "cookie-heavy";

describe("the doctor on an app whose headers are too big for nginx", () => {
  const spec = (at: { dir: string; port: number }, extra = {}): AppSpec =>
    AppSpecSchema.parse({
      name: appId,
      hostId: "h",
      command: [process.execPath, ECHO],
      socket: { path: path.join(at.dir, `${appId}.sock`), group: "www-data", mode: "0660" },
      ...RUN_AS,
      web: { server: "nginx", serverName: "cookies.test", listen: `127.0.0.1:${at.port}`, mount: "/", extra },
    });
  const web = appsBehindWebServer({ kind: "nginx", label: "doctor-headers", errorLog: true, apps: (at) => [spec(at)] });

  it("names web.extra.headerBufferSize after nginx answered 502 for 40 KiB of cookies, and the page passes once it is raised", async () => {
    await new Promise((r) => setTimeout(r, 500)); // the watcher starts at the end of the log
    // 40 cookies of 1 KiB: over the default 32k.
    expect((await httpGet(web.server.port, "/account?cookies=40", { host: "cookies.test" })).status).toBe(502);
    const report = await waitUntil(async () => {
      const r = await web.supervisor.execute({ op: "app.doctor", appId, allowRoot: true });
      const value = r.ok ? (r.value as DoctorReport) : null;
      return value?.findings.some((f) => f.code === "response-headers-too-big") ? value : null;
    }, 20_000, "the doctor's finding");
    const finding = report.findings.find((f) => f.code === "response-headers-too-big");
    expect(finding?.title).toContain("now 32k");
    expect(finding?.fix).toContain("web.extra.headerBufferSize");
    expect(finding?.detail).toContain("upstream sent too big header");

    await web.applySite([spec({ dir: web.dir, port: web.server.port }, { headerBufferSize: "64k" })]);
    const a = await httpGet(web.server.port, "/account?cookies=40", { host: "cookies.test" });
    expect(a.status).toBe(200);
    expect(a.headers["set-cookie"]).toHaveLength(40);
  }, 60_000);
});
