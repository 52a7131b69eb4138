// PHP hosted the way PHP is hosted, against the REAL servers and php-cgi at its defaults: a site
// with web.documentRoot and web.frontController (pretty URLs, a second script with PATH_INFO, a
// static asset, a missing .php that is the server's 404), an echo app mounted on the same site,
// and the README's one-script app (fastcgiParams.SCRIPT_FILENAME) on a site of its own.
import { chmodSync, cpSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppSpec, type AppSpecInput, AppSpecSchema, siteOf } from "../../lib/protocol";
import { startFcgi, type SpawnedFcgi } from "../../test/support/spawn-fcgi";
import { type EchoApp, type HttpAnswer, httpGet, makeTempDir, type RunningServer, type ServerKind, startEcho, startWebServer } from "../../test/support/web-servers";
import { renderSite } from "./index";

type PhpSaw = Record<string, string | null | Record<string, string>>;

function php(a: HttpAnswer, script: string): PhpSaw {
  expect(a.status, a.body.toString().slice(0, 300)).toBe(200);
  expect(a.headers["x-script"], `answered by the PHP script: ${JSON.stringify(a.headers)} ${a.body.toString().slice(0, 300)}`).toBe(script);
  return JSON.parse(a.body.toString()) as PhpSaw;
}

const FIXTURE = path.join(import.meta.dirname, "../../test/fixtures/php-front");

describe.each<ServerKind>(["nginx", "lighttpd", "apache"])("a PHP front-controller site on %s", (kind) => {
  let server: RunningServer;
  let phpCgi: SpawnedFcgi;
  let echo: EchoApp;
  let dir: string;
  let docRoot: string;
  const get = (p: string, host = "shop.test", body?: Buffer) => httpGet(server.port, p, { host, body });

  beforeAll(async () => {
    dir = makeTempDir(`php-${kind}`);
    docRoot = path.join(dir, "public");
    cpSync(FIXTURE, docRoot, { recursive: true });
    chmodSync(docRoot, 0o755);
    // php-cgi as packaged: no PHP_FCGI_CHILDREN, no PHP_FCGI_MAX_REQUESTS (its default is 500).
    phpCgi = await startFcgi(path.join(dir, "php.sock"), ["/usr/bin/php-cgi"], {});
    chmodSync(phpCgi.socketPath, 0o666); // the server's workers run as www-data
    echo = await startEcho(path.join(dir, "echo.sock"));
    server = await startWebServer(kind);
    const listen = `127.0.0.1:${server.port}`;
    const spec = (input: Omit<AppSpecInput, "hostId" | "command">): AppSpec => AppSpecSchema.parse({ hostId: "h1", command: ["/usr/bin/php-cgi"], ...input });
    const shop = spec({
      name: "shop",
      socket: { path: phpCgi.socketPath },
      fastcgiParams: { APP_ENV: "test" },
      web: { server: kind, serverName: "shop.test", listen, mount: "/", documentRoot: docRoot, frontController: "/index.php", static: [] },
    });
    const api = spec({ name: "api", socket: { path: echo.socketPath }, web: { server: kind, serverName: "shop.test", listen, mount: "/api" } });
    // The README's example: no documentRoot, one script for every request.
    const one = spec({
      name: "one",
      socket: { path: phpCgi.socketPath },
      fastcgiParams: { SCRIPT_FILENAME: path.join(docRoot, "other.php") },
      web: { server: kind, serverName: "one.test", listen, mount: "/" },
    });
    for (const app of [shop, one]) {
      const site = siteOf(app, [shop, api, one]);
      if (!site) throw new Error("no site");
      const text = renderSite(site);
      if (!text.ok) throw new Error(text.message);
      writeFileSync(path.join(server.snippetDir, site.fileName), text.value);
    }
    await server.reload();
  });

  afterAll(async () => {
    await server?.stop();
    await Promise.all([phpCgi?.stop(), echo?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("sends a pretty URL to the front controller with REQUEST_URI and QUERY_STRING intact", async () => {
    const saw = php(await get("/blog/2024/hello-world?page=2&q=a%20b"), "index");
    expect(saw.SCRIPT_FILENAME).toBe(path.join(docRoot, "index.php"));
    expect(saw.SCRIPT_NAME).toBe("/index.php");
    expect(saw.REQUEST_URI).toBe("/blog/2024/hello-world?page=2&q=a%20b");
    expect(saw.QUERY_STRING).toBe("page=2&q=a%20b");
    expect(saw.route).toBe("/blog/2024/hello-world");
    expect(saw.get).toEqual({ page: "2", q: "a b" });
  });

  it("runs the front controller for / (the directory index)", async () => {
    const saw = php(await get("/"), "index");
    expect(saw.SCRIPT_FILENAME).toBe(path.join(docRoot, "index.php"));
    expect(saw.REQUEST_URI).toBe("/");
  });

  it("runs a second script by its name, with the path after it as PATH_INFO", async () => {
    const saw = php(await get("/other.php/extra/path?y=2"), "other");
    expect(saw.SCRIPT_FILENAME).toBe(path.join(docRoot, "other.php"));
    expect(saw.SCRIPT_NAME).toBe("/other.php");
    expect(saw.PATH_INFO).toBe("/extra/path");
    expect(saw.QUERY_STRING).toBe("y=2");
  });

  it("serves a static asset itself, never through PHP", async () => {
    const a = await get("/assets/site.css");
    expect(a.status).toBe(200);
    expect(a.headers["x-script"]).toBeUndefined();
    expect(a.body.toString()).toBe("body { color: #333; }\n");
  });

  it("answers 404 itself for a .php file that does not exist (not the app's 'No input file specified.')", async () => {
    for (const p of ["/missing.php", "/missing.php/x", "/assets/nope.php"]) {
      const a = await get(p);
      expect(a.status, p).toBe(404);
      expect(a.headers["x-script"]).toBeUndefined();
      expect(a.body.toString()).not.toContain("No input file");
    }
  });

  it("never hands out PHP source", async () => {
    const a = await get("/other.php");
    expect(a.body.toString()).not.toContain("<?php");
  });

  it("passes a form POST to the front controller", async () => {
    const a = await httpGet(server.port, "/login", { host: "shop.test", method: "POST", body: Buffer.from("user=ann&x=1") });
    expect(a.status).toBe(200);
    expect(a.headers["x-script"]).toBe("index");
  });

  it("refuses a body over the default limit (10m) with 413 before PHP sees it, for a script and the front controller", async () => {
    for (const p of ["/other.php", "/login"]) {
      const a = await httpGet(server.port, p, { host: "shop.test", method: "POST", body: Buffer.alloc(10 * 1024 * 1024 + 1, 1) });
      expect(a.status, p).toBe(413);
      expect(a.headers["x-script"]).toBeUndefined();
    }
  });

  it("leaves another app's mount on the same site alone, even for a .php path", async () => {
    const a = await get("/api/report.php?x=1");
    expect(a.status).toBe(200);
    expect(a.headers["x-echo"]).toBe("1");
    const params = (JSON.parse(a.body.toString()) as { params: Record<string, string> }).params;
    expect(params.SCRIPT_NAME).toBe("/api");
    expect(params.PATH_INFO).toBe("/report.php");
  });

  it("serves the README's one-script app (fastcgiParams.SCRIPT_FILENAME) for every path", async () => {
    const saw = php(await get("/any/path?z=1", "one.test"), "other");
    expect(saw.SCRIPT_FILENAME).toBe(path.join(docRoot, "other.php"));
    expect(saw.QUERY_STRING).toBe("z=1");
  });
});
