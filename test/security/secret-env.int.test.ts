// Issue 17 item 10, secret env values: a spec's `{"secret": "…"}` reaches the app's process (a real
// php-cgi under a real agent, asked through a FastCGI test request) and nothing else: not a viewer's,
// admin's or owner's GET, not the audit rows or their export, not `stoker export`, not any byte of
// any file under the data dir (SQLite file and WAL, the agent's state, logs). An update that sends
// the set marker keeps the value; a new string replaces it; a name left out removes it; a marker for
// a name with no stored value is refused.
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlPlane, dataDir, startControlPlane } from "./control-plane";
import { Tally } from "./tally";

const tally = new Tally("item 10: secret env values");
const SECRET = "Zq8-db-pass-7c1f0e";
const ROTATED = "Zq8-rotated-93aa41";
const ROOT = path.resolve(import.meta.dirname, "../..");
const appDir = path.join(dataDir, "secret-app");
let cp: ControlPlane;
let agent: ChildProcess | null = null;
let agentLog = "";
const tokens = { owner: "", admin: "", viewer: "" };
let hostId = "";
let appId = "";

beforeAll(async () => {
  chmodSync(dataDir, 0o755); // php-cgi runs as nobody and must reach its script and socket
  cp = await startControlPlane();
  const { db } = await import("@/lib/db");
  const { hashSecret, newSecret } = await import("@/lib/auth/secrets");
  for (const role of ["owner", "admin", "viewer"] as const) {
    const user = await db.user.create({ data: { email: `${role}@example.com`, role, passwordHash: null } });
    tokens[role] = newSecret("stk");
    await db.apiToken.create({ data: { name: role, role, userId: user.id, tokenHash: hashSecret(tokens[role]) } });
  }
  hostId = (await db.host.create({ data: { name: "local", keyHash: hashSecret("stkh_secret_test") } })).id;
  mkdirSync(appDir, { mode: 0o755 });
  // Prints the env only when asked, so the doctor's run of the script shows nothing on its own.
  writeFileSync(
    path.join(appDir, "env.php"),
    "<?php header('Content-Type: text/plain'); if (($_GET['show'] ?? '') === '1') { echo 'DB_PASSWORD=' . var_export(getenv('DB_PASSWORD'), true) . \"\\n\" . 'PLAIN=' . getenv('PLAIN') . \"\\n\"; } else { echo \"ok\\n\"; }\n",
    { mode: 0o644 },
  );
  const stateDir = path.join(dataDir, "agent");
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(stateDir, "agent.json"), JSON.stringify({ url: cp.url, hostId, hostKey: "stkh_secret_test" }), { mode: 0o600 });
  agent = spawn(process.execPath, ["--import", "tsx", "agent/main.ts", "run", "--state-dir", stateDir, "--socket-dirs", appDir], {
    cwd: ROOT,
    env: { ...process.env, STOKER_DATA_DIR: dataDir, STOKER_WEB_TARGETS: "{}" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  agent.stdout?.on("data", (d) => (agentLog += d));
  agent.stderr?.on("data", (d) => (agentLog += d));
  const { agentHub } = await import("@/lib/agents/agent-hub");
  const deadline = Date.now() + 60_000;
  while (!agentHub().isOnline(hostId)) {
    if (Date.now() > deadline) throw new Error(`the agent did not connect:\n${agentLog}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 90_000);

afterAll(async () => {
  tally.report();
  if (appId) await api("owner", "DELETE", `/apps/${appId}`).catch(() => {});
  if (agent && agent.exitCode === null) {
    const exited = new Promise((r) => agent?.once("exit", r));
    agent.kill("SIGTERM");
    await exited;
  }
  await cp?.close();
});

async function api(who: keyof typeof tokens, method: string, route: string, body?: unknown): Promise<{ status: number; text: string; json: () => unknown }> {
  const res = await fetch(`${cp.url}/api/v1${route}`, {
    method,
    headers: { authorization: `Bearer ${tokens[who]}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

/** What the running process has in its environment, asked through a real FastCGI request. */
async function processEnv(): Promise<string> {
  const r = await api("owner", "POST", `/apps/${appId}/test-request`, { path: "/", query: "show=1" });
  expect(r.status, r.text).toBe(200);
  return (r.json() as { body: string }).body;
}

/** Every file under the data dir that holds `needle` (the agent's own key file is the only one skipped). */
function filesHolding(needle: string, dir = dataDir): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) found.push(...filesHolding(needle, p));
    else if (st.isFile() && readFileSync(p).includes(Buffer.from(needle))) found.push(path.relative(dataDir, p));
  }
  return found;
}

/** The real `stoker` CLI against this control plane, as the owner. Async: the control plane runs in this process. */
function stoker(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["bin/stoker.mjs", ...args], { cwd: ROOT, env: { ...process.env, STOKER_URL: cp.url, STOKER_TOKEN: tokens.owner }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.once("close", (status) => resolve({ status, stdout, stderr })));
}

const spec = (env: Record<string, unknown>) => ({
  name: "secretive",
  hostId,
  command: ["/usr/bin/php-cgi"],
  user: "nobody",
  env: { PHP_FCGI_CHILDREN: "0", ...env },
  socket: { path: path.join(appDir, "secretive.sock") },
  fastcgiParams: { SCRIPT_FILENAME: path.join(appDir, "env.php") },
});

describe("a secret env value", () => {
  it("reaches the process and no reader, survives an update with the marker, is replaced and removed", async () => {
    const created = await api("admin", "POST", "/apps", spec({ DB_PASSWORD: { secret: SECRET }, PLAIN: "one" }));
    expect(created.status, `${created.text}\n${agentLog}`).toBe(201);
    appId = (created.json() as { id: string }).id;
    expect(await processEnv()).toContain(`DB_PASSWORD='${SECRET}'`);

    for (const who of ["viewer", "admin", "owner"] as const) {
      const one = await api(who, "GET", `/apps/${appId}`);
      const list = await api(who, "GET", "/apps");
      await tally.attack(`${who} reads the app`, () => (!one.text.includes(SECRET) && !list.text.includes(SECRET)) || "the value is in the answer");
      expect((one.json() as { spec: { env: Record<string, unknown> } }).spec.env.DB_PASSWORD).toEqual({ secret: { set: true } });
    }

    // The owner's read sent straight back (marker included), with one plain change: the value is kept.
    const read = (await api("owner", "GET", `/apps/${appId}`)).json() as { spec: { env: Record<string, unknown> } & Record<string, unknown> };
    const kept = await api("admin", "PUT", `/apps/${appId}`, { ...read.spec, env: { ...read.spec.env, PLAIN: "two" } });
    expect(kept.status, kept.text).toBe(200);
    const afterKeep = await processEnv();
    expect(afterKeep).toContain("PLAIN=two"); // a new process, so the value really was kept, not just left running
    expect(afterKeep).toContain(`DB_PASSWORD='${SECRET}'`);

    const rotated = await api("admin", "PUT", `/apps/${appId}`, spec({ DB_PASSWORD: { secret: ROTATED }, PLAIN: "two" }));
    expect(rotated.status, rotated.text).toBe(200);
    expect(await processEnv()).toContain(`DB_PASSWORD='${ROTATED}'`);

    const audit = await api("owner", "GET", "/audit?action=app.updated");
    expect(audit.text).toContain("DB_PASSWORD");
    const rows = (audit.json() as { events: { after: unknown }[] }).events.map((e) => JSON.stringify(e.after));
    expect(rows.some((a) => a.includes('"envChanged":["DB_PASSWORD"]')), rows.join("\n")).toBe(true);
    expect(rows.some((a) => a.includes('"envChanged":["PLAIN"]')), rows.join("\n")).toBe(true);

    const missing = await api("admin", "PUT", `/apps/${appId}`, spec({ DB_PASSWORD: { secret: { set: true } }, OTHER: { secret: { set: true } } }));
    await tally.attack("a marker for a name with no stored value", () => missing.status === 400 || `HTTP ${missing.status}`);
    expect(missing.text).toContain("env.OTHER");

    const removed = await api("admin", "PUT", `/apps/${appId}`, spec({ PLAIN: "three" }));
    expect(removed.status, removed.text).toBe(200);
    expect(await processEnv()).toContain("DB_PASSWORD=false");
  }, 180_000);

  it("is in no audit row, doctor report, web config answer, log, or file under the data dir", async () => {
    const doctor = await api("owner", "POST", `/apps/${appId}/doctor`);
    for (const value of [SECRET, ROTATED]) {
      await tally.attack(`doctor report (${value === SECRET ? "first" : "rotated"} value)`, () => !doctor.text.includes(value) || "in the doctor report");
      const audit = await api("owner", "GET", "/audit?limit=500");
      await tally.attack("audit rows", () => (audit.status === 200 && !audit.text.includes(value)) || `HTTP ${audit.status} or the value is in a row`);
      const web = await api("owner", "GET", `/apps/${appId}/webconfig`);
      await tally.attack("web config", () => !web.text.includes(value) || "in the web config answer");
      await tally.attack("the agent's and control plane's output", () => !agentLog.includes(value) || "in the agent's output");
      for (const format of ["jsonl", "csv"]) {
        const exported = await api("owner", "GET", `/audit/export?format=${format}`);
        await tally.attack(`audit export (${format})`, () => (exported.status === 200 && exported.text.includes("DB_PASSWORD") && !exported.text.includes(value)) || `HTTP ${exported.status} or the value is in it`);
      }
      for (const format of ["yaml", "json"]) {
        const cli = await stoker(["export", "--format", format]);
        await tally.attack(`stoker export --format ${format}`, () => (cli.status === 0 && cli.stdout.includes("secretive") && !`${cli.stdout}${cli.stderr}`.includes(value)) || `exit ${cli.status}: ${cli.stderr.slice(0, 200)} or the value is in it`);
      }
      const files = filesHolding(value);
      await tally.attack("every file under the data dir (SQLite file and WAL, agent state, logs)", () => files.length === 0 || `found in ${files.join(", ")}`);
    }
    tally.expectAllRefused(22);
  }, 120_000);
});
