import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import { freePort } from "../../test/support/free-port";
import { probeUntil } from "./apply-checks";
import { debianTarget, mergeTargets } from "./web-targets";

describe("probeUntil", () => {
  it("counts no HTTP answer (status 0) as a failure, not as healthy", async () => {
    const port = await freePort(); // released: nothing listens there
    const r = await probeUntil({ url: `http://127.0.0.1:${port}/`, timeoutMs: 300 }, null);
    expect(r).toMatchObject({ healthy: false, status: 0, check: "no-answer" });
  });

  it("fails a 404 through the server when the app answers 200 on its socket, and passes when they agree", async () => {
    const srv = createServer((req, res) => {
      res.statusCode = req.url === "/ok/" ? 200 : 404;
      res.end();
    }).listen(0, "127.0.0.1");
    await new Promise((r) => srv.once("listening", r));
    const addr = srv.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    try {
      const bad = await probeUntil({ url: `http://127.0.0.1:${port}/missing/`, timeoutMs: 300, direct: async () => 200 }, null);
      expect(bad).toMatchObject({ healthy: false, status: 404, check: "differs-from-socket" });
      const good = await probeUntil({ url: `http://127.0.0.1:${port}/ok/`, timeoutMs: 300, direct: async () => 200 }, null);
      expect(good).toMatchObject({ healthy: true, status: 200 });
    } finally {
      srv.close();
    }
  });
});

describe("mergeTargets", () => {
  it("lets later layers win field by field, per server", () => {
    const merged = mergeTargets(
      { nginx: { dir: "/detected", pidFile: "/run/nginx.pid" }, lighttpd: { dir: "/l" } },
      { nginx: { dir: "/host-setting" } },
      undefined,
      { nginx: { settleMs: 10 } },
    );
    expect(merged).toEqual({ nginx: { dir: "/host-setting", pidFile: "/run/nginx.pid", settleMs: 10 }, lighttpd: { dir: "/l" } });
  });

  it("drops the pid file, error log and start command below a layer that names its own commands (another instance)", () => {
    const merged = mergeTargets(
      { nginx: { dir: "/etc/nginx/conf.d", pidFile: "/run/nginx.pid", errorLog: "/var/log/nginx/error.log", startArgv: ["nginx"] } },
      { nginx: { dir: "/tmp/x/sites", validateArgv: ["nginx", "-t", "-c", "/tmp/x/nginx.conf"], reloadArgv: ["nginx", "-s", "reload"] } },
    );
    expect(merged.nginx).toEqual({ dir: "/tmp/x/sites", validateArgv: ["nginx", "-t", "-c", "/tmp/x/nginx.conf"], reloadArgv: ["nginx", "-s", "reload"] });
    expect(debianTarget("nginx", "a.conf", { validateArgv: ["x"], reloadArgv: ["y"] }).pidFile).toBeUndefined();
    expect(debianTarget("nginx", "a.conf", {}).pidFile).toBe("/run/nginx.pid");
  });
});
