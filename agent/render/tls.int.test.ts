// TLS sites against the REAL servers, with a certificate from a throwaway CA made by openssl here:
// the app answers over https and sees HTTPS=on and REQUEST_SCHEME=https, HSTS is sent, and the
// plain-HTTP port answers only with a redirect to https (path and query kept).
import { rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { connect } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppSpecSchema, siteOf } from "../../lib/protocol";
import { makeThrowawayPki, type Pki } from "../../test/support/throwaway-ca";
import { type EchoApp, freePort, httpGet, makeTempDir, type RunningServer, type ServerKind, startEcho, startWebServer } from "../../test/support/web-servers";
import { renderSite } from "./index";

let pkiDir: string;
let pki: Pki;

type HttpsAnswer = { status: number; headers: Record<string, string | string[] | undefined>; body: string; authorized: boolean };

function httpsGet(port: number, urlPath: string, trust: Buffer | undefined): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: urlPath, servername: "tls.test", headers: { Host: `tls.test:${port}` }, ca: trust, agent: false }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, authorized: (res.socket as { authorized?: boolean }).authorized === true }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error("HTTPS request timed out")));
    req.on("error", reject);
    req.end();
  });
}

async function listening(port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  pkiDir = makeTempDir("tls-pki");
  pki = await makeThrowawayPki(pkiDir, "tls.test");
});

afterAll(() => {
  if (pkiDir) rmSync(pkiDir, { recursive: true, force: true });
});

describe.each<ServerKind>(["nginx", "lighttpd", "apache"])("a TLS site on %s", (kind) => {
  let server: RunningServer;
  let echo: EchoApp;
  let dir: string;
  let tlsPort: number;
  let httpPort: number;

  beforeAll(async () => {
    dir = makeTempDir(`tls-${kind}`);
    echo = await startEcho(path.join(dir, "echo.sock"));
    [tlsPort, httpPort] = [await freePort(), await freePort()];
    server = await startWebServer(kind, `tls-${kind}`, { extraPorts: [tlsPort, httpPort] });
    const app = AppSpecSchema.parse({
      name: "secure",
      hostId: "h1",
      command: ["/usr/bin/node"],
      socket: { path: echo.socketPath },
      web: {
        server: kind,
        serverName: "tls.test",
        listen: `127.0.0.1:${tlsPort}`,
        mount: "/",
        tls: { certificate: pki.certificate, key: pki.key, redirectFrom: httpPort, hsts: { maxAgeS: 31_536_000, includeSubdomains: true } },
      },
    });
    const site = siteOf(app, [app]);
    if (!site) throw new Error("no site");
    const text = renderSite(site);
    if (!text.ok) throw new Error(text.message);
    writeFileSync(path.join(server.snippetDir, site.fileName), text.value);
    await server.reload();
    // lighttpd's graceful restart opens the new listeners (and loads the key) a moment after the signal.
    await listening(tlsPort);
  });

  afterAll(async () => {
    await server?.stop();
    await echo?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("answers over https with the throwaway CA's certificate, and the app sees HTTPS=on and REQUEST_SCHEME=https", async () => {
    const a = await httpsGet(tlsPort, "/account/x?y=1", pki.caPem);
    expect(a.status, a.body.slice(0, 300)).toBe(200);
    expect(a.authorized).toBe(true);
    const { params } = JSON.parse(a.body) as { params: Record<string, string> };
    expect(params.HTTPS).toBe("on");
    expect(params.REQUEST_SCHEME).toBe("https");
    expect(params.SERVER_PORT).toBe(String(tlsPort));
    expect(params.PATH_INFO).toBe("/account/x");
    expect(params.QUERY_STRING).toBe("y=1");
  });

  it("sends Strict-Transport-Security when the spec asks for HSTS", async () => {
    const a = await httpsGet(tlsPort, "/", pki.caPem);
    expect(a.headers["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
  });

  it("is refused by a client that does not trust the CA", async () => {
    await expect(httpsGet(tlsPort, "/", undefined)).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
  });

  it("redirects plain HTTP to https with the path and query kept, without reaching the app", async () => {
    const a = await httpGet(httpPort, "/a/b?c=1&d=%20", { host: "tls.test" });
    expect(a.status).toBe(301);
    expect(a.headers.location).toBe(`https://tls.test:${tlsPort}/a/b?c=1&d=%20`);
    expect(a.headers["x-echo"]).toBeUndefined();
  });
});
