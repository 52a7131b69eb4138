// Alerts end to end, in one process: a real Supervisor runs a real app that crashes until it reaches
// FATAL; its transitions go through the control plane's own path (recordTransitions) into the alert
// engine, which delivers to a real HTTP webhook sink (verifying the HMAC) and a real SMTP server
// (smtp-server). Channels and rules are made through the API's route handlers (zod, roles, audit).
import { spawnSync } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Supervisor as SupervisorType } from "@/agent/supervisor/supervisor";
import { RUN_AS } from "./support/fixture-apps";
import { freePort } from "./support/free-port";
import { mailText } from "./support/mail-text";
import { waitUntil } from "./support/stack";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-alerts-"));
chmodSync(dir, 0o755);
process.env.STOKER_DATA_DIR = path.join(dir, "data");
process.env.STOKER_ALERT_TICK_MS = "250";

type Hook = { path: string; at: number; body: Record<string, unknown> & { status: string; subject: string; app: { name: string } | null }; verified: boolean };
type Mail = { at: number; to: string[]; raw: string };
const hooks: Hook[] = [];
const mails: Mail[] = [];
const secrets = new Map<string, string>(); // sink path → the channel's secret
let hookServer: Server;
let smtp: SMTPServer;
let hookBase = "";
let supervisor: SupervisorType;
let transitions: Promise<unknown> = Promise.resolve();
let ownerToken = "";
let viewerToken = "";
let hostId = "";
const cleanups: (() => Promise<void> | void)[] = [];

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
async function api<T>(mod: string, method: string, body?: unknown, params: Record<string, string> = {}, token = ownerToken): Promise<{ status: number; body: T }> {
  const route = (await import(path.resolve("app/api/v1", mod, "route.ts"))) as Record<string, Handler>;
  const req = new Request(`http://localhost/api/v1/${mod}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const res = await route[method](req, { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json()) as T };
}

beforeAll(async () => {
  const migrated = spawnSync(process.execPath, ["scripts/migrate.mjs", "deploy"], { env: process.env });
  expect(migrated.status, String(migrated.stderr)).toBe(0);
  const { db } = await import("@/lib/db");
  const { hashSecret, newSecret } = await import("@/lib/auth/secrets");
  for (const role of ["owner", "viewer"] as const) {
    const user = await db.user.create({ data: { email: `${role}@example.com`, role, passwordHash: null } });
    const token = newSecret("stk");
    await db.apiToken.create({ data: { name: role, role, userId: user.id, tokenHash: hashSecret(token) } });
    if (role === "owner") ownerToken = token;
    else viewerToken = token;
  }
  hostId = (await db.host.create({ data: { name: "alert-host", keyHash: "x" } })).id;

  hookServer = createServer((req, res) => {
    if (req.method !== "POST") return void res.writeHead(204).end(); // an uptime check's GET
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const secret = secrets.get(req.url ?? "") ?? "";
      const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`);
      const got = Buffer.from(String(req.headers["x-stoker-signature-256"] ?? ""));
      hooks.push({ path: req.url ?? "", at: Date.now(), body: JSON.parse(raw.toString()), verified: got.length === expected.length && timingSafeEqual(got, expected) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, "127.0.0.1", r));
  hookBase = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}`;

  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, done) {
      let raw = "";
      stream.on("data", (c: Buffer) => (raw += c.toString()));
      stream.on("end", () => {
        mails.push({ at: Date.now(), to: session.envelope.rcptTo.map((r) => r.address), raw });
        done();
      });
    },
  });
  const smtpPort = await freePort();
  await new Promise<void>((r) => smtp.listen(smtpPort, "127.0.0.1", () => r()));
  expect((await api("notifications/smtp", "PUT", { host: "127.0.0.1", port: smtpPort, from: "stoker@example.com" })).status).toBe(200);

  const { Supervisor } = await import("@/agent/supervisor/supervisor");
  const { recordTransitions } = await import("@/lib/events/process-events");
  const { startAlertTicker } = await import("@/lib/alerts/alert-ticker");
  startAlertTicker();
  supervisor = new Supervisor({ stateDir: path.join(dir, "agent"), socketDirs: [dir] });
  supervisor.listen({ status: () => {}, transition: (t) => (transitions = transitions.then(() => recordTransitions({ id: hostId, name: "alert-host" }, [t]))) });
}, 60_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await transitions;
  const { stopAlertTicker } = await import("@/lib/alerts/alert-ticker");
  await stopAlertTicker();
  hookServer?.close();
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
  rmSync(dir, { recursive: true, force: true });
});

/** An app that serves until its flag file exists, then crashes at every start (so the agent gives up: FATAL). */
async function crashableApp(name: string): Promise<{ appId: string; flag: string; pid: () => number }> {
  const { db } = await import("@/lib/db");
  const { AppSpecSchema } = await import("@/lib/protocol");
  const flag = path.join(dir, `${name}.broken`);
  const script = path.join(dir, `${name}.sh`);
  const hello = path.resolve("examples/apps/node/hello.mjs");
  writeFileSync(script, `#!/bin/sh\nif [ -e '${flag}' ]; then echo "${name}: cannot start, ${flag} exists" >&2; exit 3; fi\nexec '${process.execPath}' '${hello}'\n`, { mode: 0o755 });
  const spec = AppSpecSchema.parse({ name, hostId, command: [script], processes: 1, socket: { path: path.join(dir, `${name}.sock`) }, ...RUN_AS, restart: { backoffMs: 100, maxBackoffMs: 400, maxRestarts: 2, windowMs: 60_000 }, ready: { timeoutMs: 20_000 } }); // node starts slowly on a busy 2-core machine
  const app = await db.app.create({ data: { name, hostId, spec: JSON.stringify(spec) } });
  const put = await supervisor.put({ appId: app.id, revision: 1, desired: "running", spec, rootApproved: true });
  expect(put.ok, JSON.stringify(put)).toBe(true);
  cleanups.push(async () => void (await supervisor.execute({ op: "app.remove", appId: app.id })));
  const pid = () => supervisor.apps.get(app.id)?.processes()[0]?.pid ?? 0;
  return { appId: app.id, flag, pid };
}

async function breakApp(a: { appId: string; flag: string; pid: () => number }) {
  writeFileSync(a.flag, "");
  process.kill(a.pid(), "SIGKILL");
  await waitUntil(async () => supervisor.apps.get(a.appId)?.processes()[0]?.state === "FATAL", 30_000, "FATAL");
}

async function webhookChannel(name: string, sinkPath: string): Promise<string> {
  const res = await api<{ id: string; secret: string }>("notifications/channels", "POST", { name, kind: "webhook", url: `${hookBase}${sinkPath}` });
  expect(res.status).toBe(201);
  expect(res.body.secret).toMatch(/^whsec_/);
  secrets.set(sinkPath, res.body.secret);
  return res.body.id;
}

const hooksFor = (sinkPath: string, app: string, status?: string) => hooks.filter((h) => h.path === sinkPath && h.body.app?.name === app && (!status || h.body.status === status));
const mailsFor = (app: string) => mails.filter((m) => m.raw.includes(app));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a crashing app", () => {
  it("reaches FATAL: the webhook and the SMTP server each get exactly one message naming it, then exactly one recovery once it is fixed and restarted", async () => {
    const app = await crashableApp("alerting-app");
    const hook = await webhookChannel("ops webhook", "/ops");
    const mail = await api<{ id: string }>("notifications/channels", "POST", { name: "ops mail", kind: "email", to: ["oncall@example.com"] });
    expect(mail.status).toBe(201);
    // The contract as named in the issue: {name, event, channelIds} (appId optional) → {id}.
    const rule = await api<{ id: string }>("notifications/rules", "POST", { name: "app down", event: "app.fatal", channelIds: [hook, mail.body.id], appId: app.appId, params: { resolveAfterSec: 1 } });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    expect(rule.body.id).toBeTruthy();

    await breakApp(app);
    await waitUntil(async () => hooksFor("/ops", "alerting-app").length >= 1 && mailsFor("alerting-app").length >= 1, 20_000, "the firing messages");
    await sleep(2000); // grouping: the restarts before FATAL and the ticks after it add nothing
    const firing = hooksFor("/ops", "alerting-app");
    expect(firing.map((h) => h.body.status)).toEqual(["firing"]);
    expect(firing[0].verified).toBe(true);
    expect(firing[0].body).toMatchObject({ event: "app.fatal", subject: "alerting-app", rule: { name: "app down" } });
    expect(mailsFor("alerting-app")).toHaveLength(1);
    expect(mailsFor("alerting-app")[0].to).toEqual(["oncall@example.com"]);
    expect(mailsFor("alerting-app")[0].raw).toMatch(/Subject: \[FIRING\] alerting-app: App FATAL/);

    unlinkSync(app.flag); // fixed
    const started = await supervisor.execute({ op: "app.start", appId: app.appId });
    expect(started.ok, JSON.stringify(started)).toBe(true);
    await waitUntil(async () => hooksFor("/ops", "alerting-app", "resolved").length >= 1 && mailsFor("alerting-app").length >= 2, 20_000, "the recovery messages");
    await sleep(2000);
    expect(hooksFor("/ops", "alerting-app").map((h) => h.body.status)).toEqual(["firing", "resolved"]);
    expect(hooksFor("/ops", "alerting-app").every((h) => h.verified)).toBe(true);
    expect(mailsFor("alerting-app")).toHaveLength(2);
    expect(mailsFor("alerting-app")[1].raw).toMatch(/Subject: \[RESOLVED\] alerting-app/);
    // The recovery says that it recovered, where, since when and the state now, not the firing text again.
    const recovered = hooksFor("/ops", "alerting-app", "resolved")[0].body;
    expect(recovered).toMatchObject({ event: "app.fatal", current: expect.stringMatching(/^No process is FATAL \(process \d+ RUNNING\)$/), clearedAt: expect.any(String) });
    expect(Date.parse(String(recovered.clearedAt))).toBeGreaterThanOrEqual(Date.parse(String(recovered.firstAt)));
    const [firedText, recoveredText] = mailsFor("alerting-app").map((m) => mailText(m.raw));
    expect(firedText.split("\n")[1]).toMatch(/^Process \d+ gave up restarting \(FATAL\)/);
    const lines = recoveredText.split("\n");
    expect(lines[0]).toBe("[RESOLVED] alerting-app: App FATAL (gave up restarting)");
    expect(lines[1]).toMatch(/^Recovered: App FATAL \(gave up restarting\) cleared on alerting-app \(host \S+\) after \d+ (s|min)/);
    expect(lines[2]).toMatch(/^Firing since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, cleared \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(lines).toContain(`Now: ${recovered.current}`);
    expect(lines.filter((l) => /^Process \d+ gave up/.test(l))).toEqual([]); // only as "It was: …"
    expect(lines.some((l) => /^It was: Process \d+ gave up restarting/.test(l))).toBe(true);

    const history = await api<{ deliveries: { kind: string; status: string; channelName: string }[] }>("notifications/history", "GET", undefined, {}, viewerToken);
    expect(history.status).toBe(200);
    const mine = history.body.deliveries.filter((d) => d.channelName.startsWith("ops "));
    expect(mine.map((d) => `${d.kind}:${d.status}`).sort()).toEqual(["firing:sent", "firing:sent", "resolved:sent", "resolved:sent"]);
  }, 90_000);
});

describe("a silence window", () => {
  it("records alerts inside it without sending, sends once when it ends if the app is still down, repeats at the rule's interval, and records a failed delivery", async () => {
    const app = await crashableApp("nightly-app");
    const hook = await webhookChannel("night webhook", "/night");
    const fast = await webhookChannel("repeat webhook", "/repeat");
    const deadPort = await freePort(); // nothing listens there
    const dead = await api<{ id: string }>("notifications/channels", "POST", { name: "dead relay", kind: "webhook", url: `http://127.0.0.1:${deadPort}/hook` });
    for (const [name, channels, params] of [
      ["nightly down", [hook], {}],
      ["nightly repeat", [fast], { repeatSec: 2 }],
      ["nightly dead relay", [dead.body.id], {}],
    ] as const) {
      expect((await api("notifications/rules", "POST", { name, event: "app.fatal", channelIds: channels, appId: app.appId, params })).status).toBe(201);
    }
    const endsAt = Date.now() + 15_000; // room for the crash to reach FATAL on a busy machine before the window ends
    const silence = await api<{ id: string; active: boolean }>("notifications/silences", "POST", { name: "backup window", scope: "app", targetId: app.appId, startsAt: new Date(Date.now() - 1000).toISOString(), endsAt: new Date(endsAt).toISOString() });
    expect(silence.status, JSON.stringify(silence.body)).toBe(201);
    expect(silence.body.active).toBe(true);
    // A viewer may read silences but not make them.
    expect((await api("notifications/silences", "POST", { name: "x", scope: "app", targetId: app.appId }, {}, viewerToken)).status).toBe(403);

    await breakApp(app);
    type Page = { deliveries: { ruleName: string; kind: string; status: string; reason: string; attempts: number; at: string }[] };
    const suppressed = await waitUntil(async () => {
      const h = (await api<Page>("notifications/history", "GET")).body.deliveries.filter((d) => d.ruleName.startsWith("nightly") && d.status === "suppressed");
      return h.length === 3 ? h : null;
    }, 15_000, "three suppressed firings");
    expect(suppressed.every((d) => d.reason.includes("backup window"))).toBe(true);
    expect(Date.now()).toBeLessThan(endsAt); // still inside the window: the check below means something
    await sleep(Math.max(0, endsAt - Date.now() - 1000));
    expect(hooksFor("/night", "nightly-app")).toHaveLength(0); // not before

    await waitUntil(async () => hooksFor("/night", "nightly-app").length >= 1, 10_000, "the alert at the window's end");
    const first = hooksFor("/night", "nightly-app")[0];
    expect(first.at).toBeGreaterThanOrEqual(endsAt);
    expect(first.body.status).toBe("firing");
    expect(first.verified).toBe(true);
    // The 2-second repeat rule: first at the window's end, then every 2 s (never sooner), all "still
    // firing". Four messages (three intervals) however slow the machine's clock ticks run; how many
    // arrive in a fixed time depends on its speed, and a rule that ignored its interval is caught by
    // the gaps below.
    await waitUntil(async () => hooksFor("/repeat", "nightly-app").length >= 4, 30_000, "the first message and three repeats");
    const repeats = hooksFor("/repeat", "nightly-app");
    console.log(`repeat rule: ${repeats.length} messages, gaps ${repeats.slice(1).map((r, i) => r.at - repeats[i].at).join(", ")} ms`);
    // Over those 6 s and more of ticks, the rule without repeats sent its alert once.
    expect(hooksFor("/night", "nightly-app")).toHaveLength(1); // not twice
    expect(repeats[0].at).toBeGreaterThanOrEqual(endsAt);
    expect(repeats.slice(1).every((r) => r.body.status === "repeat")).toBe(true);
    // Arrival times jitter by each delivery's own latency on a busy machine, so each gap has slack and
    // their mean a little less; a rule that ignored its interval would repeat at every tick (250 ms).
    for (let i = 1; i < repeats.length; i++) expect(repeats[i].at - repeats[i - 1].at).toBeGreaterThanOrEqual(1000);
    expect((repeats.at(-1)!.at - repeats[0].at) / (repeats.length - 1)).toBeGreaterThanOrEqual(1700);

    // The dead relay: tried three times, recorded as failed with why.
    const failed = await waitUntil(async () => (await api<Page>("notifications/history", "GET", undefined, {}, viewerToken)).body.deliveries.find((d) => d.ruleName === "nightly dead relay" && d.status === "failed"), 15_000, "the failed delivery");
    expect(failed.attempts).toBe(3);
    expect(failed.reason).toMatch(/ECONNREFUSED/);
    const test = await api<{ sent: boolean; error: string }>(`notifications/channels/[id]/test`, "POST", undefined, { id: dead.body.id });
    expect(test.body.sent).toBe(false);
  }, 120_000);
});

describe("the notification API", () => {
  it("refuses a bad channel with a clear error, a viewer's change with 403, and sends a signed test message", async () => {
    const bad = await api<{ code: string; fields: { path: string }[] }>("notifications/channels", "POST", { name: "x", kind: "webhook", url: "ftp://example.com" });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f) => f.path)).toContain("url");
    expect((await api("notifications/channels", "POST", { name: "x", kind: "webhook", url: `${hookBase}/v` }, {}, viewerToken)).status).toBe(403);
    expect((await api("notifications/channels", "GET", undefined, {}, viewerToken)).status).toBe(200);
    const id = await webhookChannel("tested", "/tested");
    const sent = await api<{ sent: boolean }>(`notifications/channels/[id]/test`, "POST", undefined, { id });
    expect(sent.body.sent).toBe(true);
    const got = hooks.filter((h) => h.path === "/tested");
    expect(got).toHaveLength(1);
    expect(got[0].verified).toBe(true);
    expect(got[0].body.status).toBe("test");
    const { db } = await import("@/lib/db");
    // Muting an app is a silence until removed; unmuting removes it.
    const app = await db.app.create({ data: { name: "muted-app", hostId, spec: "{}" } });
    const muted = await api<{ scope: string; active: boolean; endsAt: string | null }>("apps/[id]/mute", "POST", {}, { id: app.id });
    expect(muted.status).toBe(201);
    expect(muted.body).toMatchObject({ scope: "app", active: true, endsAt: null });
    // The app page asks whether it is muted (a viewer may), and until when.
    expect((await api("apps/[id]/mute", "GET", undefined, { id: app.id }, viewerToken)).body).toEqual({ muted: true, until: null });
    expect((await api("apps/[id]/mute", "DELETE", undefined, { id: app.id })).status).toBe(200);
    expect((await api("apps/[id]/mute", "DELETE", undefined, { id: app.id })).status).toBe(404);
    expect((await api("apps/[id]/mute", "GET", undefined, { id: app.id })).body).toEqual({ muted: false, until: null });
    const until = new Date(Date.now() + 3600_000).toISOString();
    expect((await api("apps/[id]/mute", "POST", { until }, { id: app.id })).status).toBe(201);
    expect((await api("apps/[id]/mute", "GET", undefined, { id: app.id })).body).toEqual({ muted: true, until });
    expect((await api("apps/[id]/mute", "DELETE", undefined, { id: app.id })).status).toBe(200);
    const actions = (await db.auditEvent.findMany({ where: { action: { startsWith: "alerts." } } })).map((a) => a.action);
    for (const a of ["alerts.channel.created", "alerts.rule.created", "alerts.silence.created", "alerts.smtp.updated", "alerts.channel.tested"]) expect(actions).toContain(a);
  });
});

describe("a metric rule", () => {
  it("fires once when an app's 5xx rate crosses its threshold in the samples its agent reports, and recovers when the bad interval leaves the window", async () => {
    const { db } = await import("@/lib/db");
    const { metricsStore } = await import("@/lib/metrics/metrics-store");
    const app = await db.app.create({ data: { name: "erroring-app", hostId, spec: "{}" } });
    const hook = await webhookChannel("errors webhook", "/errors");
    expect((await api("notifications/rules", "POST", { name: "too many 5xx", event: "app.http.5xx-rate", channelIds: [hook], appId: app.id, params: { threshold: 10, count: 50, windowSec: 10, resolveAfterSec: 1 } })).status).toBe(201);
    const sample = (t: number, requests: number, status5xx: number) => ({
      appId: app.id, t, step: 10_000, cpuPercent: 1, rssBytes: 1e7, fds: 10, restarts: 0, processes: 2, workersBusy: 1, workersIdle: 1, listenQueue: 0,
      requests, status2xx: requests - status5xx, status3xx: 0, status4xx: 0, status5xx, p50Ms: 5, p90Ms: 9, p99Ms: 20,
    });
    // 9 % of 100: under the threshold, nothing.
    metricsStore().add(hostId, [sample(Date.now() - 500, 100, 9)]);
    await sleep(1500);
    expect(hooksFor("/errors", "erroring-app")).toHaveLength(0);
    const badAt = Date.now();
    metricsStore().add(hostId, [sample(badAt, 100, 30)]);
    await waitUntil(async () => hooksFor("/errors", "erroring-app").length >= 1, 10_000, "the 5xx alert");
    expect(hooksFor("/errors", "erroring-app")[0].body).toMatchObject({ status: "firing", event: "app.http.5xx-rate", summary: expect.stringContaining("of 200 requests answered 5xx") });
    // The app goes quiet (samples keep coming, no requests): the rate holds until the bad interval is
    // older than the 10 s window, then the alert recovers, once.
    const feeder = setInterval(() => metricsStore().add(hostId, [sample(Date.now(), 0, 0)]), 1000);
    try {
      await waitUntil(async () => hooksFor("/errors", "erroring-app", "resolved").length >= 1, 25_000, "the 5xx recovery");
      expect(Date.now() - badAt).toBeGreaterThanOrEqual(10_000);
      await sleep(1500);
    } finally {
      clearInterval(feeder);
    }
    expect(hooksFor("/errors", "erroring-app").map((h) => h.body.status)).toEqual(["firing", "resolved"]);
    // The recovery carries the value when it cleared: the quiet window holds too few requests to judge.
    expect(hooksFor("/errors", "erroring-app", "resolved")[0].body.current).toBe("0 request(s) in the window, under the 50 a rate needs");
  }, 60_000);
});

describe("conditions the alert clock watches", () => {
  it("an uptime check records its results and alerts when the URL stops answering", async () => {
    const { db } = await import("@/lib/db");
    const app = await db.app.create({ data: { name: "checked-app", hostId, spec: "{}" } });
    const hook = await webhookChannel("uptime webhook", "/uptime");
    expect((await api("notifications/rules", "POST", { name: "site down", event: "app.uptime.failed", channelIds: [hook], appId: app.id, params: { resolveAfterSec: 0 } })).status).toBe(201);
    // Up: the sink itself answers 204.
    const check = await api<{ id: string }>("notifications/uptime-checks", "POST", { appId: app.id, url: `${hookBase}/health`, intervalSec: 5, timeoutMs: 2000 });
    expect(check.status, JSON.stringify(check.body)).toBe(201);
    type R = { ok: boolean; status: number; error: string };
    const up = await waitUntil(async () => (await api<R[]>("notifications/uptime-checks/[id]/results", "GET", undefined, { id: check.body.id })).body[0], 15_000, "a first result");
    expect(up).toMatchObject({ ok: true, status: 204 });
    // One check per app: a second for the same app is refused, naming the first and how to change it
    // (it silently replaced the first), and the first is untouched.
    const dead = await freePort();
    const second = await api<{ code: string; message: string; detail: { existingId: string } }>("notifications/uptime-checks", "POST", { appId: app.id, url: `http://127.0.0.1:${dead}/`, intervalSec: 5, timeoutMs: 2000 });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe("CONFLICT");
    expect(second.body.message).toContain(`checked-app already has an uptime check (GET ${hookBase}/health every 5 s)`);
    expect(second.body.message).toContain(`PATCH /api/v1/notifications/uptime-checks/${check.body.id}`);
    expect(second.body.detail).toEqual({ existingId: check.body.id });
    const listed = (await api<{ id: string; appId: string; url: string }[]>("notifications/uptime-checks", "GET")).body.filter((c) => c.appId === app.id);
    expect(listed).toEqual([expect.objectContaining({ id: check.body.id, url: `${hookBase}/health` })]);
    // Down: the same check changed to a port nobody listens on; what the patch leaves out is kept.
    const patched = await api<{ id: string; url: string; intervalSec: number; timeoutMs: number }>("notifications/uptime-checks/[id]", "PATCH", { url: `http://127.0.0.1:${dead}/` }, { id: check.body.id });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ id: check.body.id, url: `http://127.0.0.1:${dead}/`, intervalSec: 5, timeoutMs: 2000 });
    expect((await api("notifications/uptime-checks/[id]", "PATCH", { appId: "other" }, { id: check.body.id })).status).toBe(400);
    expect((await api("notifications/uptime-checks/[id]", "PATCH", { url: `http://127.0.0.1:${dead}/` }, { id: "no-such-check" })).status).toBe(404);
    await waitUntil(async () => hooksFor("/uptime", "checked-app").length >= 1, 20_000, "the uptime alert");
    const msg = hooksFor("/uptime", "checked-app")[0].body;
    expect(msg).toMatchObject({ status: "firing", event: "app.uptime.failed", summary: expect.stringContaining("ECONNREFUSED") });
    const results = (await api<R[]>("notifications/uptime-checks/[id]/results", "GET", undefined, { id: check.body.id })).body;
    expect(results[0]).toMatchObject({ ok: false, status: 0 });
    const changes = await db.auditEvent.findMany({ where: { action: { startsWith: "alerts.uptime." }, target: `app:${app.id}` }, orderBy: { id: "asc" } });
    expect(changes.map((c) => c.action)).toEqual(["alerts.uptime.created", "alerts.uptime.updated"]);
    expect((await api("notifications/uptime-checks/[id]", "DELETE", undefined, { id: check.body.id })).status).toBe(200);
  }, 60_000);

  it("a host whose agent is away longer than the rule's grace raises agent offline, once", async () => {
    const { db } = await import("@/lib/db");
    const host = await db.host.create({ data: { name: "lonely-host", keyHash: "y" } });
    const hook = await webhookChannel("hosts webhook", "/hosts");
    expect((await api("notifications/rules", "POST", { name: "agent gone", event: "host.agent.offline", channelIds: [hook], params: { graceSec: 1 } })).status).toBe(201);
    // The agent link reports it gone (it never connected in this test): after the 1 s grace, one message.
    const { agentLinkChanged } = await import("@/lib/alerts/alert-events");
    agentLinkChanged(host.id, false);
    await waitUntil(async () => hooks.some((h) => h.path === "/hosts" && h.body.subject === "lonely-host"), 15_000, "the offline alert");
    await sleep(1500);
    const mine = hooks.filter((h) => h.path === "/hosts" && h.body.subject === "lonely-host");
    expect(mine.map((h) => h.body.status)).toEqual(["firing"]);
    expect(mine[0].body).toMatchObject({ event: "host.agent.offline", host: { name: "lonely-host" } });
  }, 30_000);
});
