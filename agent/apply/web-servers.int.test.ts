// Detection of the installed web servers on this machine (all three are installed by
// scripts/install-system-deps.sh), and the registry's merge of detected, host setting and overrides.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type RunningServer, startWebServer } from "../../test/support/web-servers";
import { detectWebServers, systemdRuns } from "./detect-web-servers";
import { WebServerRegistry } from "./web-server-registry";

const dirs: string[] = [];
let nginx: RunningServer | null = null;
afterAll(async () => {
  await nginx?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("detectWebServers", () => {
  it("finds nginx, lighttpd and Apache with version, config dir, error log, pid file and how to reload", async () => {
    const found = await detectWebServers();
    expect(found.map((d) => d.server)).toEqual(["nginx", "lighttpd", "apache"]);
    const [n, l, a] = found;
    expect(n).toMatchObject({ binary: "/usr/sbin/nginx", mainConfig: "/etc/nginx/nginx.conf", pidFile: "/run/nginx.pid", configDir: "/etc/nginx/conf.d" });
    expect(n?.version).toMatch(/^nginx\/1\.\d+/);
    expect(l?.version).toMatch(/^lighttpd\/1\.4/);
    expect(a?.version).toMatch(/^Apache\/2\.4/);
    expect(l?.pidFile).toBe("/run/lighttpd.pid");
    expect(a?.pidFile).toBe("/var/run/apache2/apache2.pid");
    if (systemdRuns()) {
      expect(l).toMatchObject({ reloadVia: "systemd", target: { reloadArgv: ["systemctl", "reload", "lighttpd"] } });
      return;
    }
    // Without systemd: lighttpd is reloaded by SIGUSR1 to its pid, the others by command.
    expect(l).toMatchObject({ reloadVia: "signal", target: { reloadArgv: [], reloadSignal: "SIGUSR1", startArgv: ["/usr/sbin/lighttpd", "-f", "/etc/lighttpd/lighttpd.conf"] } });
    expect(n?.target.reloadArgv).toEqual(["/usr/sbin/nginx", "-s", "reload"]);
  });
});

describe("WebServerRegistry", () => {
  it("reports each server's health from the targets in force, and where each setting came from", async () => {
    nginx = await startWebServer("nginx", "registry-nginx");
    const state = mkdtempSync(path.join(tmpdir(), "stoker-registry-"));
    dirs.push(state);
    const registry = new WebServerRegistry(state, { apache: { settleMs: 100 } });
    await registry.refresh();
    const before = registry.facts().find((f) => f.server === "nginx");
    expect(before).toMatchObject({ sources: ["detected"], pidFile: "/run/nginx.pid" });
    registry.setHostSetting({ nginx: { dir: nginx.snippetDir, validateArgv: nginx.testArgv, reloadArgv: nginx.reloadArgv, pidFile: nginx.pidFile, errorLog: nginx.errorLog } });
    writeFileSync(path.join(state, "web-targets.json"), JSON.stringify({ nginx: { settleMs: 50 } }));
    const n = registry.facts().find((f) => f.server === "nginx");
    expect(n).toMatchObject({ running: true, configDir: nginx.snippetDir, errorLog: nginx.errorLog, sources: ["detected", "host-setting", "file"], target: { settleMs: 50 } });
    expect(registry.facts().find((f) => f.server === "apache")?.sources).toEqual(["detected", "env"]);
    expect(registry.errorLogs().nginx).toBe(nginx.errorLog);
    // The host setting survives a restart of the agent (a new registry on the same state dir).
    const again = new WebServerRegistry(state, {}, async () => []);
    expect(again.getHostSetting().nginx?.dir).toBe(nginx.snippetDir);
  });
});
