// The agent's web-config operations work on SITES: two apps on one nginx site (same serverName and
// listen) are shown and applied as ONE file holding both mounts, and both answer through real nginx;
// a PHP front-controller site (php-cgi at its defaults) and a TLS site pass the apply's checks.
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppSpec, AppSpecSchema } from "../../lib/protocol";
import { startFcgi } from "../../test/support/spawn-fcgi";
import { makeThrowawayPki } from "../../test/support/throwaway-ca";
import { type EchoApp, freePort, httpGet, makeTempDir, type RunningServer, startEcho, startWebServer } from "../../test/support/web-servers";
import { applyAppWebConfig, getWebConfig, type WebTargets } from "./web-config-ops";

describe("web-config operations on a site of two apps (nginx)", () => {
  let server: RunningServer;
  let echo: EchoApp;
  let dir: string;
  let targets: WebTargets;
  let a: AppSpec;
  let b: AppSpec;

  beforeAll(async () => {
    dir = makeTempDir("site-ops");
    echo = await startEcho(path.join(dir, "echo.sock"));
    server = await startWebServer("nginx");
    targets = { nginx: { dir: server.snippetDir, validateArgv: server.testArgv, reloadArgv: server.reloadArgv, settleMs: 300 } };
    const app = (name: string, mount: string) =>
      AppSpecSchema.parse({
        name,
        hostId: "h1",
        command: ["/usr/bin/node"],
        socket: { path: echo.socketPath },
        fastcgiParams: { APP_NAME: name },
        web: { server: "nginx", serverName: "localhost", listen: `127.0.0.1:${server.port}`, mount },
      });
    a = app("yourapp", "/yourapplication");
    b = app("deployed", "/deployed");
  });

  afterAll(async () => {
    await server?.stop();
    await echo?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("shows each app the whole file of its site, the same file for both", async () => {
    const ga = await getWebConfig(a, targets, undefined, [a, b]);
    const gb = await getWebConfig(b, targets, undefined, [a, b]);
    if (!ga.ok || !gb.ok) throw new Error("getWebConfig failed");
    expect(ga.value.path).toBe(path.join(server.snippetDir, `stoker-site-localhost-127.0.0.1-${server.port}.conf`));
    expect(gb.value.path).toBe(ga.value.path);
    expect(ga.value.text).toBe(gb.value.text);
    expect(ga.value.text.match(/^server \{/gm)).toHaveLength(1);
    expect(ga.value.text).toContain('fastcgi_param APP_NAME "deployed"');
  });

  it("applies the site as one file, after which both apps answer through nginx", async () => {
    const r = await applyAppWebConfig(a, targets, undefined, undefined, [a, b]);
    if (!r.ok) throw new Error(r.message);
    expect(r.value.ok, r.value.message + r.value.validatorOutput).toBe(true);
    expect(readdirSync(server.snippetDir).filter((f) => f.endsWith(".conf"))).toHaveLength(1);
    for (const [url, name] of [
      ["/yourapplication/x", "yourapp"],
      ["/deployed/y", "deployed"],
    ]) {
      const res = await httpGet(server.port, url, { host: "localhost" });
      expect(res.status).toBe(200);
      expect((JSON.parse(res.body.toString()) as { params: Record<string, string> }).params.APP_NAME).toBe(name);
    }
  });

  it("replaces the apps' files from before sites in the same swap (both would be served)", async () => {
    const legacy = path.join(server.snippetDir, "stoker-yourapp.conf");
    writeFileSync(legacy, `server {\n    listen 127.0.0.1:${server.port};\n    server_name localhost;\n    return 418;\n}\n`);
    const r = await applyAppWebConfig(a, targets, undefined, undefined, [a, b]);
    if (!r.ok) throw new Error(r.message);
    expect(r.value.ok, r.value.message).toBe(true);
    expect(existsSync(legacy)).toBe(false);
    expect(readdirSync(server.snippetDir)).toEqual([path.basename(r.value.path)]);
  });

  it("refuses a config whose validator warns that a site is ignored (nginx: conflicting server name), and rolls back", async () => {
    const hand = path.join(server.snippetDir, "hand-written.conf");
    writeFileSync(hand, `server {\n    listen 127.0.0.1:${server.port};\n    server_name localhost;\n    return 418;\n}\n`);
    const before = readFileSync(path.join(server.snippetDir, `stoker-site-localhost-127.0.0.1-${server.port}.conf`), "utf8");
    const moved = { ...b, web: b.web && { ...b.web, mount: "/moved" } };
    const r = await applyAppWebConfig(moved, targets, undefined, undefined, [a, moved]);
    rmSync(hand);
    if (!r.ok) throw new Error(r.message);
    expect(r.value.ok).toBe(false);
    expect(r.value.step).toBe("validate");
    expect(r.value.message).toContain("conflicting server name");
    expect(readFileSync(path.join(server.snippetDir, `stoker-site-localhost-127.0.0.1-${server.port}.conf`), "utf8")).toBe(before);
  });

  it("refuses to render a site where a new app takes a mount another app has, naming both", async () => {
    const clash = { ...b, name: "clash" };
    const r = await getWebConfig(clash, targets, undefined, [a, b, clash]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/"clash".*"deployed"|"deployed".*"clash"/);
  });
});

describe.sequential("applying PHP and TLS sites through the checks", () => {
  it("applies a PHP front-controller site: the probe compares the front controller through nginx and on the socket", async () => {
    const d = makeTempDir("site-ops-php");
    const nginx = await startWebServer("nginx");
    const php = await startFcgi(path.join(d, "php.sock"), ["/usr/bin/php-cgi"], {});
    try {
      chmodSync(php.socketPath, 0o666);
      const docRoot = path.join(d, "public");
      cpSync(path.join(import.meta.dirname, "../../test/fixtures/php-front"), docRoot, { recursive: true });
      const shop = AppSpecSchema.parse({
        name: "shop",
        hostId: "h1",
        command: ["/usr/bin/php-cgi"],
        socket: { path: php.socketPath },
        web: { server: "nginx", serverName: "shop.test", listen: `127.0.0.1:${nginx.port}`, documentRoot: docRoot, frontController: "/index.php" },
      });
      const t: WebTargets = { nginx: { dir: nginx.snippetDir, validateArgv: nginx.testArgv, reloadArgv: nginx.reloadArgv, settleMs: 300 } };
      const r = await applyAppWebConfig(shop, t, undefined, undefined, [shop]);
      if (!r.ok) throw new Error(r.message);
      expect(r.value.ok, `${r.value.message} ${r.value.validatorOutput}`).toBe(true);
      const a = await httpGet(nginx.port, "/some/route", { host: "shop.test" });
      expect(a.headers["x-script"]).toBe("index");
    } finally {
      await nginx.stop();
      await php.stop();
      rmSync(d, { recursive: true, force: true });
    }
  });

  it("applies a TLS site: the probe speaks https to it", async () => {
    const d = makeTempDir("site-ops-tls");
    const nginx = await startWebServer("nginx");
    const echo = await startEcho(path.join(d, "echo.sock"));
    try {
      const pki = await makeThrowawayPki(d, "secure.test");
      const port = await freePort();
      const app = AppSpecSchema.parse({
        name: "secure",
        hostId: "h1",
        command: ["/usr/bin/node"],
        socket: { path: echo.socketPath },
        web: { server: "nginx", serverName: "secure.test", listen: `127.0.0.1:${port}`, tls: { certificate: pki.certificate, key: pki.key } },
      });
      const t: WebTargets = { nginx: { dir: nginx.snippetDir, validateArgv: nginx.testArgv, reloadArgv: nginx.reloadArgv, settleMs: 300 } };
      const r = await applyAppWebConfig(app, t, undefined, undefined, [app]);
      if (!r.ok) throw new Error(r.message);
      expect(r.value.ok, `${r.value.message} ${r.value.validatorOutput}`).toBe(true);
    } finally {
      await nginx.stop();
      await echo.stop();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
