// Several apps on one site (DESIGN decision 8) against the REAL servers: apps at /yourapplication,
// /deployed, /deployed/inner and / on one serverName and listen, rendered into ONE file, each
// answering through nginx, lighttpd and Apache; plus the limits every site shares (body, headers, %25).
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppSpec, type AppSpecInput, AppSpecSchema, siteOf } from "../../lib/protocol";
import { type EchoApp, type HttpAnswer, httpGet, makeTempDir, type RunningServer, run, type ServerKind, startEcho, startWebServer } from "../../test/support/web-servers";
import { renderSite } from "./index";

type Echoed = { params: Record<string, string>; bodyLength: number; socket: string };

function echoed(a: HttpAnswer): Echoed {
  expect(a.status, a.body.toString().slice(0, 300)).toBe(200);
  expect(a.headers["x-echo"], "answered by an app").toBe("1");
  return JSON.parse(a.body.toString()) as Echoed;
}

describe.each<ServerKind>(["nginx", "lighttpd", "apache"])("one site with four apps on %s", (kind) => {
  let server: RunningServer;
  let echoA: EchoApp;
  let echoB: EchoApp;
  let dir: string;
  let siteText = "";
  const get = (p: string, opts: { host?: string; body?: Buffer } = {}) => httpGet(server.port, p, { host: opts.host ?? "localhost", body: opts.body });

  beforeAll(async () => {
    dir = makeTempDir(`sites-${kind}`);
    [echoA, echoB] = await Promise.all([startEcho(path.join(dir, "a.sock")), startEcho(path.join(dir, "b.sock"))]);
    server = await startWebServer(kind);
    const app = (name: string, mount: string, sock: string, extra = {}): AppSpec => {
      const input: AppSpecInput = {
        name,
        hostId: "h1",
        command: ["/usr/bin/node"],
        socket: { path: path.join(dir, sock) },
        fastcgiParams: { APP_NAME: name },
        web: { server: kind, serverName: "localhost", listen: `127.0.0.1:${server.port}`, mount, extra },
      };
      return AppSpecSchema.parse(input);
    };
    const apps = [app("yourapp", "/yourapplication", "a.sock"), app("deployed", "/deployed", "b.sock", { headerBufferSize: "64k" }), app("inner", "/deployed/inner", "a.sock"), app("home", "/", "b.sock")];
    const site = siteOf(apps[0], apps);
    if (!site) throw new Error("no site");
    expect(site.apps).toHaveLength(4);
    const text = renderSite(site);
    if (!text.ok) throw new Error(text.message);
    siteText = text.value;
    writeFileSync(path.join(server.snippetDir, site.fileName), siteText);
    await server.reload();
  });

  afterAll(async () => {
    await server?.stop();
    await Promise.all([echoA?.stop(), echoB?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("renders the four apps into one server block that the real validator accepts without a warning", async () => {
    const blocks = { nginx: /^server \{/gm, lighttpd: /^\$SERVER\["socket"\]/gm, apache: /^<VirtualHost /gm }[kind];
    expect(siteText.match(blocks)).toHaveLength(1);
    const r = await run(server.testArgv);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toMatch(/warn|conflicting/i);
  });

  it.each([
    ["/yourapplication/foo?x=1", "yourapp", "/yourapplication", "/foo", "a.sock"],
    ["/yourapplication", "yourapp", "/yourapplication", "", "a.sock"],
    ["/deployed/", "deployed", "/deployed", "/", "b.sock"],
    ["/deployed/innerx", "deployed", "/deployed", "/innerx", "b.sock"],
    ["/deployed/inner/z", "inner", "/deployed/inner", "/z", "a.sock"],
    ["/yourapplicationx", "home", "", "/yourapplicationx", "b.sock"],
    ["/other/page", "home", "", "/other/page", "b.sock"],
  ])("sends %s to app %s with SCRIPT_NAME %s and PATH_INFO %s, on socket %s", async (url, app, scriptName, pathInfo, sock) => {
    const { params, socket } = echoed(await get(url));
    expect(path.basename(socket)).toBe(sock);
    expect(params.APP_NAME).toBe(app);
    expect(params.SCRIPT_NAME).toBe(scriptName);
    expect(params.PATH_INFO ?? "").toBe(pathInfo); // lighttpd leaves an empty PATH_INFO out
  });

  it("answers 127.0.0.1 as it answers localhost (the same rule on every server)", async () => {
    const { params } = echoed(await get("/deployed/x", { host: `127.0.0.1:${server.port}` }));
    expect(params.APP_NAME).toBe("deployed");
    // Another name is not this site: the test server's default answers (421 for nginx, 404 otherwise).
    const other = await get("/deployed/x", { host: "example.com" });
    expect(other.headers["x-echo"]).toBeUndefined();
  });

  it("passes %25 in the path through to the app decoded, not as a 400", async () => {
    const { params } = echoed(await get("/yourapplication/100%25?q=%25"));
    expect(params.PATH_INFO).toBe("/100%");
    expect(params.REQUEST_URI).toBe("/yourapplication/100%25?q=%25");
    const root = echoed(await get("/100%25/a%20b")).params;
    expect(root.APP_NAME).toBe("home");
    expect(root.PATH_INFO).toBe("/100%/a b");
  });

  it("applies the same default body limit (10m) on every server", async () => {
    const fits = echoed(await get("/deployed/upload", { body: Buffer.alloc(3 * 1024 * 1024, 1) }));
    expect(fits.bodyLength).toBe(3 * 1024 * 1024);
    const over = await get("/deployed/upload", { body: Buffer.alloc(10 * 1024 * 1024 + 1, 1) });
    expect(over.status).toBe(413);
  });

  it("lets 24 KiB of response headers through by default (nginx alone used to answer 502)", async () => {
    const a = await get("/yourapplication/cookies?cookies=24");
    expect(a.status).toBe(200);
    expect(a.headers["set-cookie"]).toHaveLength(24);
  });

  it("lets 60 KiB of response headers through where the spec sets headerBufferSize 64k (nginx answered 502 at its default)", async () => {
    const a = await get("/deployed/cookies?cookies=60");
    expect(a.status).toBe(200);
    expect(a.headers["set-cookie"]).toHaveLength(60);
  });
});
