// web.tls.acme against a REAL local ACME CA (Debian's pebble, on loopback) and the REAL servers:
// the site starts with the agent's placeholder certificate, serves the HTTP-01 challenge from the
// agent's webroot on its plain-HTTP port (everything else still redirects), certbot obtains the
// certificate through it (pebble really fetches the token: PEBBLE_VA_ALWAYS_VALID=0), and after a
// reload an https request verified against pebble's issuing root reaches the app.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { connect } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppSpecSchema, siteOf } from "../../lib/protocol";
import { makeThrowawayPki, type Pki } from "../../test/support/throwaway-ca";
import { type EchoApp, freePort, httpGet, makeTempDir, type RunningServer, type ServerKind, startEcho, startWebServer } from "../../test/support/web-servers";
import { renderSite } from "../render";
import { acmePaths, ensurePlaceholder, obtainCertificate } from "./acme";
import { certificateNotAfter, renewalDue, renewDueCertificates, type RenewalOutcome } from "./acme-renewal";
import { applyAppWebConfig, type WebTargets } from "./web-config-ops";

type HttpsAnswer = { status: number; body: string; authorized: boolean; issuer: string };

function httpsGet(port: number, urlPath: string, trust: Buffer | string | undefined): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: urlPath, servername: "localhost", headers: { Host: `localhost:${port}` }, ca: trust, agent: false }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => {
        const sock = res.socket as { authorized?: boolean; getPeerCertificate?: () => { issuer?: { CN?: string } } };
        resolve({ status: res.statusCode ?? 0, body, authorized: sock.authorized === true, issuer: sock.getPeerCertificate?.().issuer?.CN ?? "" });
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error("HTTPS request timed out")));
    req.on("error", reject);
    req.end();
  });
}

async function listening(port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let dir: string;
let pki: Pki;
let pebble: ChildProcess | undefined;
let pebbleLog = "";
let acmePort: number;
let mgmtPort: number;
let pebbleRoot: string;

/** The HTTP-01 port pebble checks: one per server, so a test's site answers its own challenges. */
async function startPebble(httpPort: number, certificateValidityS?: number): Promise<void> {
  [acmePort, mgmtPort] = [await freePort(), await freePort()];
  const config = path.join(dir, `pebble-${httpPort}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: pki.certificate,
        privateKey: pki.key,
        httpPort,
        tlsPort: await freePort(),
        ocspResponderURL: "",
        externalAccountBindingRequired: false,
        ...(certificateValidityS ? { certificateValidityPeriod: certificateValidityS } : {}),
      },
    }),
  );
  pebble = spawn("/usr/bin/pebble", ["-config", config], { env: { ...process.env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_VA_ALWAYS_VALID: "0" }, stdio: ["ignore", "pipe", "pipe"] });
  pebble.stdout?.on("data", (c: Buffer) => (pebbleLog += c.toString()));
  pebble.stderr?.on("data", (c: Buffer) => (pebbleLog += c.toString()));
  await listening(mgmtPort);
  // pebble makes a new root at each start: the only CA a client should trust for its certificates.
  pebbleRoot = await new Promise<string>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: mgmtPort, path: "/roots/0", servername: "localhost", ca: pki.caPem, agent: false }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}

async function stopPebble(): Promise<void> {
  const p = pebble;
  pebble = undefined;
  if (!p || p.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    p.once("exit", () => resolve());
    p.kill("SIGTERM");
  });
}

beforeAll(async () => {
  dir = makeTempDir("acme");
  pki = await makeThrowawayPki(dir, "localhost");
});

afterAll(async () => {
  await stopPebble();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.each<ServerKind>(["nginx", "lighttpd", "apache"])("web.tls.acme on %s with pebble", (kind) => {
  let server: RunningServer;
  let echo: EchoApp;
  let stateDir: string;
  let tlsPort: number;
  let httpPort: number;

  beforeAll(async () => {
    stateDir = makeTempDir(`acme-state-${kind}`);
    echo = await startEcho(path.join(stateDir, "echo.sock"));
    [tlsPort, httpPort] = [await freePort(), await freePort()];
    await startPebble(httpPort);
    server = await startWebServer(kind, `acme-${kind}`, { extraPorts: [tlsPort, httpPort] });
  });

  afterAll(async () => {
    await server?.stop();
    await echo?.stop();
    await stopPebble();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("obtains a certificate from pebble over HTTP-01 and serves the app with it", async () => {
    const app = AppSpecSchema.parse({
      name: "acmeapp",
      hostId: "h1",
      command: ["/usr/bin/node"],
      socket: { path: echo.socketPath },
      web: {
        server: kind,
        serverName: "localhost",
        listen: `127.0.0.1:${tlsPort}`,
        mount: "/",
        tls: { acme: { email: "admin@example.com", directory: `https://localhost:${acmePort}/dir` }, redirectFrom: httpPort },
      },
    });
    const site = siteOf(app, [app]);
    if (!site) throw new Error("no site");
    const text = renderSite(site, { acmeStateDir: stateDir });
    if (!text.ok) throw new Error(text.message);
    const paths = acmePaths(stateDir, "localhost");
    expect(text.value).toContain(paths.certificate);
    const placeholder = await ensurePlaceholder(paths, "localhost");
    expect(placeholder).toEqual({ ok: true, value: "placeholder" });
    writeFileSync(path.join(server.snippetDir, site.fileName), text.value);
    await server.reload();
    await listening(tlsPort);

    // Before: the placeholder is not trusted by a client that trusts pebble's root.
    await expect(httpsGet(tlsPort, "/", pebbleRoot)).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
    // The plain-HTTP port still redirects everything but the challenge directory.
    const redirect = await httpGet(httpPort, "/x?y=1", { host: "localhost" });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe(`https://localhost:${tlsPort}/x?y=1`);
    writeFileSync(path.join(paths.webroot, ".well-known", "acme-challenge", "probe"), "token-body");
    const token = await httpGet(httpPort, "/.well-known/acme-challenge/probe", { host: "localhost" });
    expect(token.status).toBe(200);
    expect(token.body.toString()).toBe("token-body");

    const got = await obtainCertificate({ stateDir, serverName: "localhost", acme: app.web?.tls?.acme ?? {}, env: { REQUESTS_CA_BUNDLE: path.join(dir, "ca.pem") } });
    expect(got.ok, got.ok ? "" : `${got.message}\n${pebbleLog.slice(-2000)}`).toBe(true);
    // pebble fetched the token from this server (not a shortcut).
    expect(pebbleLog).toMatch(new RegExp(`Attempting to validate w/ HTTP: http://localhost:${httpPort}/\\.well-known/acme-challenge/`));
    expect(readFileSync(paths.certificate, "utf8")).toContain("BEGIN CERTIFICATE");

    await server.reload();
    await listening(tlsPort);
    const deadline = Date.now() + 20_000;
    let answer: HttpsAnswer | null = null;
    // lighttpd's graceful restart and Apache's reload pick up the new files a moment after the signal.
    while (!answer && Date.now() < deadline) {
      answer = await httpsGet(tlsPort, "/account/x?y=1", pebbleRoot).catch(() => null);
      if (!answer) await new Promise((r) => setTimeout(r, 200));
    }
    if (!answer) throw new Error("the site never served pebble's certificate");
    expect(answer.status, answer.body.slice(0, 300)).toBe(200);
    expect(answer.authorized).toBe(true);
    expect(answer.issuer).toMatch(/Pebble Intermediate/i);
    const { params } = JSON.parse(answer.body) as { params: Record<string, string> };
    expect(params.HTTPS).toBe("on");
    expect(params.PATH_INFO).toBe("/account/x");
  }, 150_000);
});

describe.each<ServerKind>(["nginx", "lighttpd", "apache"])("the agent's apply of a web.tls.acme site on %s", (kind) => {
  let server: RunningServer;
  let echo: EchoApp;
  let stateDir: string;
  let tlsPort: number;
  let httpPort: number;

  beforeAll(async () => {
    stateDir = makeTempDir(`acme-apply-${kind}`);
    echo = await startEcho(path.join(stateDir, "echo.sock"));
    [tlsPort, httpPort] = [await freePort(), await freePort()];
    await startPebble(httpPort);
    server = await startWebServer(kind, `acme-apply-${kind}`, { extraPorts: [tlsPort, httpPort] });
  });

  afterAll(async () => {
    await server?.stop();
    await echo?.stop();
    await stopPebble();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("applies with a placeholder, obtains the certificate through the live site and reloads to serve it", async () => {
    const app = AppSpecSchema.parse({
      name: "acmeapp",
      hostId: "h1",
      command: ["/usr/bin/node"],
      socket: { path: echo.socketPath },
      web: { server: kind, serverName: "localhost", listen: `127.0.0.1:${tlsPort}`, mount: "/", tls: { acme: { directory: `https://localhost:${acmePort}/dir` }, redirectFrom: httpPort } },
    });
    const targets: WebTargets = { [kind]: { dir: server.snippetDir, validateArgv: server.testArgv, reloadArgv: server.reloadArgv, pidFile: server.pidFile, startArgv: server.startArgv, settleMs: 300 } };
    // certbot reaches pebble's https directory through the CA that signed pebble's listener.
    const saved = process.env.REQUESTS_CA_BUNDLE;
    process.env.REQUESTS_CA_BUNDLE = path.join(dir, "ca.pem");
    const r = await applyAppWebConfig(app, targets, undefined, undefined, [app], stateDir).finally(() => {
      if (saved === undefined) delete process.env.REQUESTS_CA_BUNDLE;
      else process.env.REQUESTS_CA_BUNDLE = saved;
    });
    if (!r.ok) throw new Error(r.message);
    expect(r.value.ok, `${r.value.message}\n${pebbleLog.slice(-1500)}`).toBe(true);
    expect(r.value.message).toMatch(/obtained over ACME/);
    const deadline = Date.now() + 20_000;
    let answer: HttpsAnswer | null = null;
    while (!answer && Date.now() < deadline) {
      answer = await httpsGet(tlsPort, "/hello", pebbleRoot).catch(() => null);
      if (!answer) await new Promise((res) => setTimeout(res, 200));
    }
    if (!answer) throw new Error("the site never served pebble's certificate");
    expect(answer.status, answer.body.slice(0, 300)).toBe(200);
    expect(answer.authorized).toBe(true);
  }, 150_000);
});

describe("ACME renewal against pebble with short-lived certificates (nginx)", () => {
  let server: RunningServer;
  let echo: EchoApp;
  let stateDir: string;
  let tlsPort: number;
  let httpPort: number;

  beforeAll(async () => {
    stateDir = makeTempDir("acme-renew");
    echo = await startEcho(path.join(stateDir, "echo.sock"));
    [tlsPort, httpPort] = [await freePort(), await freePort()];
    // Pebble issues certificates valid for ten days: always within the 30-day renewal window.
    await startPebble(httpPort, 10 * 24 * 3600);
    server = await startWebServer("nginx", "acme-renew", { extraPorts: [tlsPort, httpPort] });
  });

  afterAll(async () => {
    await server?.stop();
    await echo?.stop();
    await stopPebble();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("renews a certificate that is due through the apply pipeline, reports it, and serves the new one", async () => {
    const app = AppSpecSchema.parse({
      name: "renewapp",
      hostId: "h1",
      command: ["/usr/bin/node"],
      socket: { path: echo.socketPath },
      web: { server: "nginx", serverName: "localhost", listen: `127.0.0.1:${tlsPort}`, mount: "/", tls: { acme: { directory: `https://localhost:${acmePort}/dir` }, redirectFrom: httpPort } },
    });
    const targets: WebTargets = { nginx: { dir: server.snippetDir, validateArgv: server.testArgv, reloadArgv: server.reloadArgv, pidFile: server.pidFile, startArgv: server.startArgv, settleMs: 300 } };
    const saved = process.env.REQUESTS_CA_BUNDLE;
    process.env.REQUESTS_CA_BUNDLE = path.join(dir, "ca.pem");
    try {
      const apply = async () => {
        const r = await applyAppWebConfig(app, targets, undefined, undefined, [app], stateDir);
        return r.ok ? { ok: true as const, value: { ok: r.value.ok, message: r.value.message } } : r;
      };
      const first = await apply();
      expect(first.ok && first.value.ok, `${JSON.stringify(first)}\n${pebbleLog.slice(-1500)}`).toBe(true);
      const cert = acmePaths(stateDir, "localhost").certificate;
      const issued = await certificateNotAfter(cert);
      expect(issued).not.toBeNull();
      // Ten days left: due (the decision), and a certificate with 60 days left would not be.
      expect(renewalDue(issued, new Date())).toBe(true);
      expect(renewalDue(issued, new Date((issued?.getTime() ?? 0) - 60 * 24 * 3600_000))).toBe(false);
      const serialBefore = readFileSync(cert, "utf8");

      await new Promise((r) => setTimeout(r, 1100)); // notAfter has one-second resolution
      const reports: RenewalOutcome[] = [];
      const outcomes = await renewDueCertificates(stateDir, [{ appId: "renewapp", serverName: "localhost", acme: app.web?.tls?.acme ?? {} }], apply, (o) => reports.push(o));
      expect(outcomes[0]?.due).toBe(true);
      expect(outcomes[0]?.renewed, `${outcomes[0]?.message}\n${pebbleLog.slice(-1500)}`).toBe(true);
      expect(reports.map((o) => o.renewed)).toEqual([true]);
      expect(reports[0]?.message).toMatch(/renewed over ACME/);
      expect(readFileSync(cert, "utf8")).not.toBe(serialBefore);
      expect((await certificateNotAfter(cert))?.getTime()).toBeGreaterThan(issued?.getTime() ?? 0);

      // The server serves the renewed certificate (the pipeline reloaded it).
      const deadline = Date.now() + 20_000;
      let answer: HttpsAnswer | null = null;
      while (!answer && Date.now() < deadline) {
        answer = await httpsGet(tlsPort, "/hello", pebbleRoot).catch(() => null);
        if (!answer) await new Promise((res) => setTimeout(res, 200));
      }
      expect(answer?.authorized).toBe(true);

      // A CA that is gone: the renewal fails, is reported as a failure, and the site keeps its certificate.
      await stopPebble();
      const failed: RenewalOutcome[] = [];
      await renewDueCertificates(stateDir, [{ appId: "renewapp", serverName: "localhost", acme: app.web?.tls?.acme ?? {} }], apply, (o) => failed.push(o));
      expect(failed.map((o) => o.renewed)).toEqual([false]);
      expect(failed[0]?.message).toMatch(/failed/);
      expect(readFileSync(cert, "utf8")).toContain("BEGIN CERTIFICATE");
    } finally {
      if (saved === undefined) delete process.env.REQUESTS_CA_BUNDLE;
      else process.env.REQUESTS_CA_BUNDLE = saved;
    }
  }, 240_000);
});
