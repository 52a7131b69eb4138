// The alert rules beyond App FATAL, end to end on one real stack (control plane + agent via
// scripts/start.mjs), real apps at their defaults and a real nginx: a php-cgi app (2 processes) held
// in slow requests raises p99 latency (to a webhook and a Slack-compatible receiver, whose body is
// checked) and workers saturated; a node-fastcgi app that crashes on a request with a stack trace
// raises crash loop (to a webhook and a real SMTP server), a new traceback group and a traceback
// spike; a broken file beside the site fails the web-config apply; a deploy of an unknown ref fails,
// and the next good deploy recovers it; the log volume rule fires from the agent's storage facts.
// The independent cases run at once to keep the file short.
import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitFixture, makeGitRepo } from "@/agent/deploy/testing/git-fixture";
import { RUN_AS, specFor } from "./support/fixture-apps";
import { startLoad } from "./support/load";
import { mailText } from "./support/mail-text";
import { ownerToken, type Stack, startStack, waitUntil } from "./support/stack";
import { freePort, makeTempDir, type RunningServer, startWebServer } from "./support/web-servers";

type Hook = { path: string; body: Record<string, unknown> & { status: string; event: string; summary: string; app: { name: string } | null; subject: string }; verified: boolean };
type Slack = { raw: Record<string, unknown> };
type Mail = { to: string[]; raw: string };
const hooks: Hook[] = [];
const slack: Slack[] = [];
const mails: Mail[] = [];
let secret = "";
let receiver: Server;
let smtp: SMTPServer;
let base = "";
let nginx: RunningServer;
let stack: Stack;
let token = "";
let tmp = "";
let repo: GitFixture;
let hostId = "";
let hostName = "";
let php = "";
let node = "";
let hookId = "";
let slackId = "";
let mailId = "";

async function call<T = Record<string, unknown>>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stack.url}/api/v1${p}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

async function rule(name: string, event: string, channelIds: string[], params: Record<string, number>, appId?: string): Promise<string> {
  const r = await call<{ id: string }>("POST", "/notifications/rules", { name, event, channelIds, params, ...(appId ? { appId } : {}) });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id;
}

const hooksOf = (event: string, status?: string) => hooks.filter((h) => h.body.event === event && (!status || h.body.status === status));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function running(id: string, n: number): Promise<void> {
  await waitUntil(async () => {
    const app = (await call<{ processes?: { state: string }[] }>("GET", `/apps/${id}`)).body;
    return app.processes?.length === n && app.processes.every((p) => p.state === "RUNNING") ? true : null;
  }, 40_000, `${n} processes of ${id} running`);
}

beforeAll(async () => {
  tmp = makeTempDir("alert-rules");
  repo = makeGitRepo(path.join(tmp, "repo"));
  repo.commit({ "index.php": "<?php echo 'v1';\n" }, "First version", "v1");

  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      if (req.url === "/slack") slack.push({ raw: JSON.parse(raw.toString()) });
      else {
        const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`);
        const got = Buffer.from(String(req.headers["x-stoker-signature-256"] ?? ""));
        hooks.push({ path: req.url ?? "", body: JSON.parse(raw.toString()), verified: got.length === expected.length && timingSafeEqual(got, expected) });
      }
      res.writeHead(200).end("ok"); // Slack answers 200 "ok"
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, done) {
      let raw = "";
      stream.on("data", (c: Buffer) => (raw += c.toString()));
      stream.on("end", () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        done();
      });
    },
  });
  const smtpPort = await freePort();
  await new Promise<void>((r) => smtp.listen(smtpPort, "127.0.0.1", () => r()));

  nginx = await startWebServer("nginx", "alert-rules-nginx");
  const siteLogDir = path.join(tmp, "site-logs");
  mkdirSync(siteLogDir);
  stack = await startStack({
    STOKER_WEB_TARGETS: JSON.stringify({ nginx: { dir: nginx.snippetDir, validateArgv: nginx.testArgv, reloadArgv: nginx.reloadArgv, settleMs: 200, siteLogDir } }),
    STOKER_ALERT_TICK_MS: "500",
    STOKER_ALERT_TRACEBACK_POLL_MS: "1000",
  });
  token = await ownerToken(stack.url);
  const host = await waitUntil(async () => (await call<{ id: string; name: string; online: boolean }[]>("GET", "/hosts")).body.find((h) => h.online), 30_000, "the agent online");
  hostId = host.id;
  hostName = host.name;

  expect((await call("PUT", "/notifications/smtp", { host: "127.0.0.1", port: smtpPort, from: "stoker@example.com" })).status).toBe(200);
  const hook = await call<{ id: string; secret: string }>("POST", "/notifications/channels", { name: "ops hook", kind: "webhook", url: `${base}/hook` });
  hookId = hook.body.id;
  secret = hook.body.secret;
  slackId = (await call<{ id: string }>("POST", "/notifications/channels", { name: "ops slack", kind: "slack", url: `${base}/slack` })).body.id;
  mailId = (await call<{ id: string }>("POST", "/notifications/channels", { name: "ops mail", kind: "email", to: ["oncall@example.com"] })).body.id;

  // php-cgi at its defaults (PHP_FCGI_MAX_REQUESTS 500), 2 processes, behind nginx, deployable from git.
  const phpSpec = specFor("php");
  const created = await call<{ id: string }>("POST", "/apps", {
    name: "shop",
    hostId,
    command: phpSpec.command,
    env: phpSpec.env,
    processes: 2,
    ...RUN_AS,
    socket: { path: path.join(stack.dataDir, "run", "shop.sock"), group: "www-data", mode: "0660" },
    fastcgiParams: { SCRIPT_FILENAME: path.resolve("test/fixtures/slow.php") },
    web: { server: "nginx", serverName: "localhost", listen: `127.0.0.1:${nginx.port}`, mount: "/", extra: { readTimeoutS: 60 } },
    deploy: { root: path.join(tmp, "releases"), source: { git: repo.bare, ref: "main" } },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  php = created.body.id;
  // node-fastcgi: dies in a request to /crash after printing a stack trace.
  const crashy = await call<{ id: string }>("POST", "/apps", {
    name: "pricing",
    hostId,
    command: [process.execPath, path.resolve("test/fixtures/crash-on-request.mjs")],
    processes: 1,
    ...RUN_AS,
    socket: { path: path.join(stack.dataDir, "run", "pricing.sock") },
  });
  expect(crashy.status, JSON.stringify(crashy.body)).toBe(201);
  node = crashy.body.id;
  await running(php, 2);
  await running(node, 1);
  const applied = await call<{ ok: boolean }>("POST", `/apps/${php}/webconfig/apply`, { server: "nginx" });
  expect(applied.body.ok, JSON.stringify(applied.body)).toBe(true);
}, 240_000);

afterAll(async () => {
  await stack?.destroy();
  await nginx?.stop();
  receiver?.close();
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe.concurrent("rules on conditions that hold", () => {
  it("slow requests through nginx raise p99 latency (webhook and Slack) and saturated workers, once each", async () => {
    await rule("shop slow", "app.http.p99-latency", [hookId, slackId], { threshold: 400, windowSec: 15 }, php);
    await rule("shop saturated", "app.workers.saturated", [hookId], { windowSec: 15 }, php);
    // 4 clients, 2 workers, 1 s each: both workers always busy, two requests always queued.
    const load = startLoad({ url: `http://127.0.0.1:${nginx.port}/?ms=1000`, concurrency: 4, durationMs: 60_000, requestTimeoutMs: 30_000 });
    try {
      await waitUntil(async () => hooksOf("app.http.p99-latency").length >= 1 && hooksOf("app.workers.saturated").length >= 1 && slack.length >= 1, 55_000, "the latency and saturation alerts");
    } finally {
      const r = await load.stop();
      // Served through nginx (2 a second at most), none failed; the alerts may come within 10 s.
      expect(r.statuses[200]).toBeGreaterThanOrEqual(4);
      expect(r.failed).toBe(0);
    }
    await sleep(1500);
    const p99 = hooksOf("app.http.p99-latency");
    expect(p99.map((h) => h.body.status)).toEqual(["firing"]);
    expect(p99[0].verified).toBe(true);
    expect(p99[0].body).toMatchObject({ subject: "shop", app: { name: "shop" }, summary: expect.stringMatching(/^p99 latency \d+ ms \(threshold 400 ms\)$/) });
    expect(Number(/p99 latency (\d+)/.exec(p99[0].body.summary)?.[1])).toBeGreaterThanOrEqual(1000);
    const busy = hooksOf("app.workers.saturated");
    expect(busy.map((h) => h.body.status)).toEqual(["firing"]);
    // Either sign of saturation, whichever the samples showed first: both workers busy throughout the
    // window, or connections piling up in the socket's queue (never an empty or shrinking one).
    expect(busy[0].body.summary).toMatch(/^(all 2 worker\(s\) busy for \d+ samples|listen queue growing \d+ → [1-9]\d*)/);
    // Slack's incoming-webhook format: a JSON object with only `text`, the title line first.
    const msg = slack.find((s) => String(s.raw.text).includes("shop"));
    expect(Object.keys(msg?.raw ?? {})).toEqual(["text"]);
    const lines = String(msg?.raw.text).split("\n");
    expect(lines[0]).toBe("[FIRING] shop: p99 latency above threshold");
    expect(lines).toContain("Rule: shop slow");
    expect(lines).toContain(`App: shop on ${hostName}`);
    expect(slack).toHaveLength(1); // the saturation rule sends only to the webhook
  }, 90_000);

  it("a request that crashes the app with a stack trace raises a new traceback group once, and three in a row a crash loop (webhook and e-mail) and a traceback spike", async () => {
    await rule("pricing crashes", "app.crash-loop", [hookId, mailId], { count: 3, windowSec: 60 }, node);
    await rule("pricing new error", "app.traceback.new", [hookId], {}, node);
    await rule("pricing error spike", "app.traceback.spike", [hookId], { count: 3, windowSec: 60 }, node);
    await sleep(1500); // the traceback watch learns the app's totals before the crashes
    for (let i = 0; i < 3; i++) {
      await running(node, 1);
      await call("POST", `/apps/${node}/test-request`, { path: "/crash" }); // answered or not: the app dies in it
    }
    await waitUntil(async () => hooksOf("app.crash-loop").length >= 1 && hooksOf("app.traceback.new").length >= 1 && hooksOf("app.traceback.spike").length >= 1 && mails.some((m) => m.raw.includes("pricing")), 45_000, "the crash loop and traceback alerts");
    await sleep(2500); // more ticks and traceback polls send nothing more
    const loop = hooksOf("app.crash-loop");
    expect(loop.map((h) => h.body.status)).toEqual(["firing"]);
    expect(loop[0].body).toMatchObject({ subject: "pricing", summary: expect.stringMatching(/^\d+ restarts in the last 60 s$/) });
    const mail = mails.filter((m) => m.raw.includes("pricing"));
    expect(mail).toHaveLength(1);
    expect(mail[0].to).toEqual(["oncall@example.com"]);
    expect(mail[0].raw).toMatch(/Subject: \[FIRING\] pricing: Crash loop/);
    // One group (the same code path each time): "new" once, whatever the later occurrences.
    const fresh = hooksOf("app.traceback.new");
    expect(fresh.map((h) => h.body.status)).toEqual(["firing"]);
    expect(fresh[0].body.summary).toMatch(/^New node traceback: Error: order \d+ could not be priced/);
    expect(String(fresh[0].body.detail)).toContain("crash-on-request.mjs");
    const spike = hooksOf("app.traceback.spike");
    expect(spike.map((h) => h.body.status)).toEqual(["firing"]);
    expect(spike[0].body.summary).toMatch(/^3 tracebacks in the last 60 s$/);
  }, 90_000);

  it("a broken file beside the site fails the web-config apply (one alert naming the step), and the next good apply recovers it", async () => {
    await rule("nginx apply", "webconfig.apply.failed", [hookId], {}, php);
    const broken = path.join(nginx.snippetDir, "zz-someone-else.conf");
    writeFileSync(broken, "server { listen 127.0.0.1:1; this_is_not_a_directive on; }\n");
    try {
      const failed = await call<{ ok: boolean; step: string }>("POST", `/apps/${php}/webconfig/apply`, { server: "nginx" });
      expect(failed.body).toMatchObject({ ok: false, step: "validate" });
    } finally {
      rmSync(broken);
    }
    await waitUntil(async () => hooksOf("webconfig.apply.failed").length >= 1, 15_000, "the apply alert");
    expect(hooksOf("webconfig.apply.failed")[0].body).toMatchObject({ status: "firing", subject: "shop", summary: expect.stringMatching(/^nginx config for shop failed at validate/) });
    expect(String(hooksOf("webconfig.apply.failed")[0].body.detail)).toContain("this_is_not_a_directive");
    const ok = await call<{ ok: boolean }>("POST", `/apps/${php}/webconfig/apply`, { server: "nginx" });
    expect(ok.body.ok, JSON.stringify(ok.body)).toBe(true);
    await waitUntil(async () => hooksOf("webconfig.apply.failed", "resolved").length >= 1, 15_000, "the apply recovery");
    expect(hooksOf("webconfig.apply.failed").map((h) => h.body.status)).toEqual(["firing", "resolved"]);
  }, 60_000);

  it("the log volume rule fires from the agent's storage facts under its free-space threshold, and clears above it", async () => {
    // Every volume has less than 100 % free: the agent's real report of its log volume crosses it.
    const id = await rule("logs full", "host.logs.disk-full", [hookId], { threshold: 100, resolveAfterSec: 1 });
    await waitUntil(async () => hooksOf("host.logs.disk-full").length >= 1, 20_000, "the disk alert");
    const fired = hooksOf("host.logs.disk-full")[0].body;
    expect(fired).toMatchObject({ status: "firing", subject: hostName, app: null, host: { name: hostName } });
    expect(fired.summary).toMatch(/^\d+\.\d% free on \//);
    // And no volume has less than 0 % free.
    expect((await call("PATCH", `/notifications/rules/${id}`, { params: { threshold: 0, resolveAfterSec: 1 } })).status).toBe(200);
    await waitUntil(async () => hooksOf("host.logs.disk-full", "resolved").length >= 1, 20_000, "the disk recovery");
    expect(hooksOf("host.logs.disk-full").map((h) => h.body.status)).toEqual(["firing", "resolved"]);
    expect(hooksOf("host.logs.disk-full", "resolved")[0].body.current).toMatch(/^\d+\.\d% free on \//);
  }, 60_000);
});

describe("a deployment", () => {
  it("of an unknown ref raises deployment failed with why, once; the next good deploy recovers it", async () => {
    await rule("shop deploys", "deployment.failed", [hookId, mailId], {}, php);
    const deploy = async (ref: string) => {
      const started = await call<{ id: string }>("POST", `/apps/${php}/deployments`, { ref });
      expect(started.status, JSON.stringify(started.body)).toBe(202);
      return waitUntil(async () => {
        const d = (await call<{ status: string }>("GET", `/deployments/${started.body.id}`)).body;
        return d.status !== "running" ? d : null;
      }, 90_000, `the deployment of ${ref}`);
    };
    expect((await deploy("no-such-tag")).status).toBe("failed");
    await waitUntil(async () => hooksOf("deployment.failed").length >= 1 && mails.some((m) => m.raw.includes("Deployment failed")), 15_000, "the deploy alert");
    expect(hooksOf("deployment.failed")[0].body).toMatchObject({ status: "firing", subject: "shop", summary: expect.stringContaining('no branch, tag or commit named "no-such-tag"') });
    expect((await deploy("v1")).status).toBe("succeeded");
    await waitUntil(async () => hooksOf("deployment.failed", "resolved").length >= 1, 15_000, "the deploy recovery");
    await sleep(1000);
    expect(hooksOf("deployment.failed").map((h) => h.body.status)).toEqual(["firing", "resolved"]);
    expect(mails.filter((m) => /Subject: \[(FIRING|RESOLVED)\] shop: Deployment failed/.test(m.raw))).toHaveLength(2);
    // The recovery mail reads as one: what cleared on which app, and what it is now.
    const recovery = mailText(mails.find((m) => m.raw.includes("Subject: [RESOLVED] shop: Deployment failed"))?.raw ?? "").split("\n");
    expect(recovery[1]).toMatch(new RegExp(`^Recovered: Deployment failed cleared on shop \\(host ${hostName}\\) after \\d+ (s|min)`));
    expect(recovery).toContain("Now: A deployment succeeded");
    expect(recovery.some((l) => l.startsWith("It was: Deployment failed"))).toBe(true);
  }, 150_000);
});
