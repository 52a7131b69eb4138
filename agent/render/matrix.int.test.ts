// The renderers against the REAL servers: the echo FastCGI app behind nginx, lighttpd and Apache,
// mounted under /yourapplication and at the root, asserting the CGI variables the app receives.
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppSpecInput, AppSpecSchema } from "../../lib/protocol";
import {
  type EchoApp,
  type HttpAnswer,
  httpGet,
  makeTempDir,
  type RunningServer,
  type ServerKind,
  startEcho,
  startWebServer,
} from "../../test/support/web-servers";
import { renderWebConfig } from "./index";

type Echoed = { params: Record<string, string>; bodyLength: number; sha256: string };

function echoed(a: HttpAnswer): Echoed {
  expect(a.status, a.body.toString().slice(0, 300)).toBe(200);
  expect(a.headers["x-echo"], "answered by the app").toBe("1");
  return JSON.parse(a.body.toString()) as Echoed;
}

const KINDS: ServerKind[] = ["nginx", "lighttpd", "apache"];

describe.each(KINDS)("%s in front of the echo app", (kind) => {
  let server: RunningServer;
  let echo: EchoApp;
  let appDir: string;
  const get = (host: string, p: string, body?: Buffer) => httpGet(server.port, p, { host, body });

  beforeAll(async () => {
    appDir = makeTempDir(`matrix-${kind}`);
    mkdirSync(path.join(appDir, "static"));
    writeFileSync(path.join(appDir, "static", "hello.txt"), `static file for ${kind}\n`);
    echo = await startEcho(path.join(appDir, "echo.sock"));
    server = await startWebServer(kind);
    // Two sites in one server: the same app mounted under a prefix (written with a trailing
    // slash, which the schema normalises) and at the root.
    for (const [host, mount] of [
      ["sub.test", "/yourapplication/"],
      ["root.test", "/"],
    ] as const) {
      const input: AppSpecInput = {
        name: host.replace(".test", ""),
        hostId: "h1",
        command: ["/usr/bin/node", "echo.mjs"],
        socket: { path: echo.socketPath },
        fastcgiParams: { APP_ENV: "matrix run", DEPLOY_ID: "r-42" },
        web: {
          server: kind,
          serverName: host,
          listen: `127.0.0.1:${server.port}`,
          mount,
          static: [{ url: "/static", dir: path.join(appDir, "static") }],
          extra: { clientMaxBodySize: "4m", readTimeoutS: 30 },
        },
      };
      const text = renderWebConfig(AppSpecSchema.parse(input));
      if (!text.ok) throw new Error(text.message);
      writeFileSync(path.join(server.snippetDir, `${host}.conf`), text.value);
    }
    await server.reload();
  });

  afterAll(async () => {
    await server?.stop();
    await echo?.stop();
    if (appDir) rmSync(appDir, { recursive: true, force: true });
  });

  describe("mounted at /yourapplication", () => {
    it("splits /yourapplication/foo/bar?x=1 into SCRIPT_NAME, PATH_INFO and QUERY_STRING", async () => {
      const { params } = echoed(await get("sub.test", "/yourapplication/foo/bar?x=1"));
      expect(params.SCRIPT_NAME).toBe("/yourapplication");
      expect(params.PATH_INFO).toBe("/foo/bar");
      expect(params.QUERY_STRING).toBe("x=1");
      expect(params.REQUEST_URI).toBe("/yourapplication/foo/bar?x=1");
      expect(params.SERVER_NAME).toBe("sub.test");
      expect(params.SERVER_PORT).toBe(String(server.port));
      expect(params.REMOTE_ADDR).toBe("127.0.0.1");
      expect(params.REQUEST_METHOD).toBe("GET");
    });

    it("decodes a URL-encoded path into PATH_INFO and keeps REQUEST_URI as sent", async () => {
      const { params } = echoed(await get("sub.test", "/yourapplication/a%20b/caf%C3%A9?q=%20&r=1"));
      expect(params.SCRIPT_NAME).toBe("/yourapplication");
      expect(params.PATH_INFO).toBe("/a b/café");
      expect(params.QUERY_STRING).toBe("q=%20&r=1");
      expect(params.REQUEST_URI).toBe("/yourapplication/a%20b/caf%C3%A9?q=%20&r=1");
    });

    it("reaches the app with an encoded slash (decoded by nginx/lighttpd, kept encoded by Apache)", async () => {
      const { params } = echoed(await get("sub.test", "/yourapplication/a%2Fb"));
      expect(params.PATH_INFO).toBe(kind === "apache" ? "/a%2Fb" : "/a/b");
    });

    it("keeps a trailing slash in PATH_INFO", async () => {
      const { params } = echoed(await get("sub.test", "/yourapplication/foo/"));
      expect(params.SCRIPT_NAME).toBe("/yourapplication");
      expect(params.PATH_INFO).toBe("/foo/");
    });

    it("sends the mount with and without its trailing slash to the app", async () => {
      const bare = echoed(await get("sub.test", "/yourapplication")).params;
      expect(bare.SCRIPT_NAME).toBe("/yourapplication");
      expect(bare.PATH_INFO ?? "").toBe(""); // lighttpd leaves an empty PATH_INFO out
      const slash = echoed(await get("sub.test", "/yourapplication/")).params;
      expect(slash.SCRIPT_NAME).toBe("/yourapplication");
      expect(slash.PATH_INFO).toBe("/");
    });

    it("does not hand /yourapplicationx (a different path that shares the prefix) to the app", async () => {
      const a = await get("sub.test", "/yourapplicationx/y");
      expect(a.headers["x-echo"]).toBeUndefined();
      expect(a.status).not.toBe(200);
    });

    it("serves a static file itself, without the app", async () => {
      const a = await get("sub.test", "/static/hello.txt");
      expect(a.status).toBe(200);
      expect(a.headers["x-echo"]).toBeUndefined();
      expect(a.body.toString()).toBe(`static file for ${kind}\n`);
    });

    it("passes the spec's extra fastcgiParams", async () => {
      const { params } = echoed(await get("sub.test", "/yourapplication/"));
      expect(params.APP_ENV).toBe("matrix run");
      expect(params.DEPLOY_ID).toBe("r-42");
    });

    it("delivers a 1 MB POST body to the app intact", async () => {
      const body = randomBytes(1024 * 1024);
      const e = echoed(await get("sub.test", "/yourapplication/upload", body));
      expect(e.params.REQUEST_METHOD).toBe("POST");
      expect(e.params.CONTENT_LENGTH).toBe(String(body.length));
      expect(e.bodyLength).toBe(body.length);
      expect(e.sha256).toBe(createHash("sha256").update(body).digest("hex"));
    });

    it("refuses a body above clientMaxBodySize with 413 before the app sees it", async () => {
      const a = await get("sub.test", "/yourapplication/upload", Buffer.alloc(5 * 1024 * 1024, 1));
      expect(a.status).toBe(413);
      expect(a.headers["x-echo"]).toBeUndefined();
    });
  });

  describe("mounted at /", () => {
    it("gives an empty SCRIPT_NAME and the whole path as PATH_INFO", async () => {
      const { params } = echoed(await get("root.test", "/foo/bar?x=1"));
      expect(params.SCRIPT_NAME).toBe("");
      expect(params.PATH_INFO).toBe("/foo/bar");
      expect(params.QUERY_STRING).toBe("x=1");
      expect(params.REQUEST_URI).toBe("/foo/bar?x=1");
      expect(params.SERVER_NAME).toBe("root.test");
      expect(params.SERVER_PORT).toBe(String(server.port));
      expect(params.REMOTE_ADDR).toBe("127.0.0.1");
    });

    it("decodes a URL-encoded path and keeps a trailing slash", async () => {
      const enc = echoed(await get("root.test", "/a%20b/c/")).params;
      expect(enc.SCRIPT_NAME).toBe("");
      expect(enc.PATH_INFO).toBe("/a b/c/");
      expect(enc.REQUEST_URI).toBe("/a%20b/c/");
    });

    it("sends / itself to the app", async () => {
      const { params } = echoed(await get("root.test", "/"));
      expect(params.SCRIPT_NAME).toBe("");
      expect(params.PATH_INFO).toBe("/");
    });

    it("still serves static files itself under the root mount", async () => {
      const a = await get("root.test", "/static/hello.txt");
      expect(a.status).toBe(200);
      expect(a.headers["x-echo"]).toBeUndefined();
      expect(a.body.toString()).toBe(`static file for ${kind}\n`);
    });

    it("delivers a 1 MB POST body to the app intact", async () => {
      const body = randomBytes(1024 * 1024);
      const e = echoed(await get("root.test", "/upload", body));
      expect(e.bodyLength).toBe(body.length);
      expect(e.sha256).toBe(createHash("sha256").update(body).digest("hex"));
    });
  });
});
