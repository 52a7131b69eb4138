// One-line host install and in-place upgrade, through the real stack: install.sh served by the
// control plane (no login) installs the agent bundle under a temp prefix (--no-systemd), enrolls it
// with a join token and starts it, and a second host comes up; then the dashboard's upgrade swaps it
// to a new build while an app on it keeps its pid and serves every request.
import { spawn } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLoad } from "./support/load";
import { type NginxFront, startNginxFront } from "./support/nginx-front";
import { ownerToken, type Stack, startStack, stopKeeper, tokenCaller, waitUntil } from "./support/stack";
import { isAlive } from "@/agent/supervisor/proc-stats";

const ROOT = path.resolve(import.meta.dirname, "..");
let stack: Stack;
let token: string;
let front: NginxFront | null = null;
const work = mkdtempSync(path.join(tmpdir(), "stoker-install-"));
const dist = path.join(work, "dist"); // the agent the control plane serves: a copy, so a test can change it
const prefix = path.join(work, "agent");

type Host = { id: string; name: string; online: boolean; facts: { agentVersion?: string; agentBuild?: string; agentUpgradable?: boolean; agentPid?: number } };
type App = { id: string; name: string; spec: Record<string, unknown> & { socket: Record<string, unknown> }; processes: { pid: number; state: string }[] };

const call = tokenCaller(() => stack.url, () => token);
const hosts = async () => (await call("GET", "/hosts")).body as unknown as Host[];
const apps = async () => (await call("GET", "/apps")).body as unknown as App[];
const joinToken = async () => (await call("POST", "/hosts/join-tokens")).body.token as string;
const script = async () => {
  const res = await fetch(`${stack.url}/api/v1/agent/install.sh`); // no credentials
  expect(res.status).toBe(200);
  return res.text();
};
/**
 * Runs the script as `curl … | sh -s -- ARGS` would, with dash (a POSIX sh, not bash). Not spawnSync:
 * a blocked event loop keeps fetch from seeing the server close its idle kept-alive connections, and
 * the next request on one fails ("other side closed").
 */
const runScript = (text: string, args: string[], env: Record<string, string> = {}) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn("dash", ["-s", "--", ...args], { stdio: ["pipe", "pipe", "pipe"], timeout: 120_000, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    // The agent it starts in the background keeps no pipe of ours (its output goes to agent.log).
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(text);
  });
/** The x64 build the control plane serves now, as install.sh names it. */
const servedBuild = async () => (await script()).match(/\bx64 [0-9a-f]{64} ([0-9a-f]+)/)?.[1];

beforeAll(async () => {
  stack = await startStack({ STOKER_AGENT_DIST: dist });
  cpSync(path.join(ROOT, "dist"), dist, { recursive: true });
  token = await ownerToken(stack.url);
  await waitUntil(async () => (await hosts()).find((h) => h.online), 60_000, "the local agent");
}, 300_000);

afterAll(async () => {
  // The installed agent (whichever pid it has after the upgrade), its keeper, then its apps.
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "latin1").split("\0");
      if (args.some((a) => a.startsWith(`${prefix}/`)) && args.some((a) => a.endsWith("agent.mjs"))) process.kill(Number(entry), "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  stopKeeper(path.join(prefix, "state"));
  try {
    const state = JSON.parse(readFileSync(path.join(prefix, "state", "state.json"), "utf8")) as { apps: { processes: { pid: number }[] }[] };
    for (const pid of state.apps.flatMap((a) => a.processes.map((p) => p.pid))) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  } catch {
    // no state
  }
  await front?.stop();
  await stack?.destroy();
  rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

describe("install.sh", () => {
  it("refuses bad arguments with a clear message and installs nothing", { timeout: 60_000 }, async () => {
    const text = await script();
    expect(text.startsWith("#!/bin/sh\n")).toBe(true);
    expect(text).toContain("set -eu");
    // Well-formed but unknown: each case below fails for its own reason, before any download.
    const ok = `stkj_${"a".repeat(43)}`;
    const cases: [string[], RegExp][] = [
      [["--no-systemd", "--prefix", prefix], /join token is missing/],
      [["bogus", "--prefix", prefix, "--no-systemd"], /not a join token \(one starts with stkj_/],
      [["stkj_short", "--prefix", prefix, "--no-systemd"], /not a join token \(one starts with stkj_/],
      [[ok, "--prefix", "relative/dir", "--no-systemd"], /absolute path/],
      [[`${ok};rm -rf /`, "--prefix", prefix, "--no-systemd"], /not a join token/],
      [[ok, "--prefix", `${prefix}/../x`, "--no-systemd"], /\. or \.\. parts/],
      [[ok, "--bogus"], /unknown option: --bogus/],
      [["a", "b", "--no-systemd"], /one join token/],
      [[ok, "--no-systemd", "--prefix", prefix, "--name", "bad name"], /--name may use only/],
    ];
    for (const [args, why] of cases) {
      const r = await runScript(text, args);
      expect(r.status, args.join(" ")).not.toBe(0);
      expect(r.stderr, args.join(" ")).toMatch(why);
    }
    expect(existsSync(prefix)).toBe(false);
  });

  it("refuses a bundle whose checksum is not the one it was served with", async () => {
    const served = await script();
    const text = served.replace(/\bx64 [0-9a-f]{64} /, `x64 ${"0".repeat(64)} `);
    expect(text).not.toBe(served);
    const r = await runScript(text, [await joinToken(), "--prefix", prefix, "--no-systemd"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/checksum mismatch/);
    expect(existsSync(path.join(prefix, "current"))).toBe(false);
  }, 120_000);

  it("installs, enrolls and starts a second agent that shows as a second host", async () => {
    const r = await runScript(await script(), [await joinToken(), "--prefix", prefix, "--no-systemd", "--name", "second-host"]);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/started without systemd/);
    expect(r.stdout).toContain(`${prefix}/run-agent`);
    const build = await servedBuild();
    expect(readlinkSync(path.join(prefix, "current"))).toBe(`releases/${build}`);
    // Online from its connection; its facts come with its hello a moment later.
    const second = await waitUntil(async () => (await hosts()).find((h) => h.name === "second-host" && h.online && h.facts.agentBuild), 60_000, "the second host online, with its facts");
    expect((await hosts()).length).toBe(2);
    expect(second.facts.agentBuild).toBe(build);
    expect(second.facts.agentUpgradable).toBe(true);
    expect(second.facts.agentPid).toBe(Number(readFileSync(path.join(prefix, "agent.pid"), "utf8")));
  }, 180_000);
});

describe("upgrading an agent in place", () => {
  it("swaps to the new build while its app keeps its pid and answers every request", async () => {
    const second = (await hosts()).find((h) => h.name === "second-host");
    if (!second) throw new Error("no second host");
    const demo = (await apps()).find((a) => a.name === "demo");
    if (!demo) throw new Error("no demo app");
    const sock = path.join(prefix, "data", "run", "kept.sock");
    const created = await call("POST", "/apps", { ...demo.spec, name: "kept", hostId: second.id, processes: 2, socket: { path: sock, mode: "0660" } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const kept = await waitUntil(async () => {
      const a = (await apps()).find((x) => x.name === "kept");
      return a && a.processes.length === 2 && a.processes.every((p) => p.state === "RUNNING") && a;
    }, 60_000, "the app on the second host");
    const pids = kept.processes.map((p) => p.pid).sort();

    // Same upgrade refused while the host runs the served build already.
    expect((await call("POST", `/hosts/${second.id}/upgrade-agent`)).status).toBe(409);
    // A new agent build on the control plane: other code, so another build id.
    appendFileSync(path.join(dist, "agent.mjs"), "\n// a newer build\n");
    const newBuild = await servedBuild();
    expect(newBuild).not.toBe(second.facts.agentBuild);

    front = await startNginxFront({ socket: `unix:${sock}` });
    const load = startLoad({ url: `${front.url}/`, concurrency: 4, durationMs: 60_000, requestTimeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 1000));
    const up = await call("POST", `/hosts/${second.id}/upgrade-agent`);
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(up.body).toEqual({ from: second.facts.agentBuild, to: newBuild });
    const after = await waitUntil(async () => (await hosts()).find((h) => h.id === second.id && h.online && h.facts.agentBuild === newBuild), 60_000, "the upgraded agent online");
    expect(after.facts.agentPid).not.toBe(second.facts.agentPid);
    // The new agent adopted the app: same pids, RUNNING, and still serving.
    const adopted = await waitUntil(async () => {
      const a = (await apps()).find((x) => x.name === "kept");
      return a && a.processes.length === 2 && a.processes.every((p) => p.state === "RUNNING") && a;
    }, 30_000, "the app adopted");
    await new Promise((r) => setTimeout(r, 1500));
    const result = await load.stop();
    expect(adopted.processes.map((p) => p.pid).sort()).toEqual(pids);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    expect(result.requests).toBeGreaterThan(50);
    expect(result.failed, JSON.stringify(result.errors)).toBe(0);
    expect(readlinkSync(path.join(prefix, "current"))).toBe(`releases/${newBuild}`);
    expect(Number(readFileSync(path.join(prefix, "agent.pid"), "utf8"))).toBe(after.facts.agentPid);
    const audit = (await call("GET", "/audit?limit=20")).body as { events: { action: string; target: string; result: string }[] };
    expect(audit.events.find((e) => e.action === "host.agent-upgrade")).toMatchObject({ target: "host:second-host", result: "success" });
    console.log(`[agent-install] upgrade ${second.facts.agentBuild} -> ${newBuild} under load: ${result.requests} requests, ${result.failed} failed, pids ${pids.join(",")} kept`);
  }, 240_000);
});

describe("install.sh with systemd", () => {
  // No systemd runs here: its unit directory and "running" marker are temp dirs, and a systemctl on
  // PATH records what it is asked. What systemd itself does with the unit is systemd-analyze's part
  // (scripts/systemd-units.test.ts).
  it("writes the agent's unit, then reloads systemd, enables and restarts the agent (not started by the script)", async () => {
    const shim = path.join(work, "shim");
    const units = path.join(work, "units");
    const running = path.join(work, "systemd-running");
    const calls = path.join(work, "systemctl.log");
    for (const d of [shim, units, running]) mkdirSync(d, { recursive: true });
    writeFileSync(path.join(shim, "systemctl"), `#!/bin/sh\necho "$*" >> ${calls}\n`, { mode: 0o755 });
    const sysPrefix = path.join(work, "agent-systemd");
    const env = { PATH: `${shim}:${process.env.PATH}`, STOKER_SYSTEMD_UNIT_DIR: units, STOKER_SYSTEMD_RUNNING_DIR: running };

    const r = await runScript(await script(), [await joinToken(), "--prefix", sysPrefix, "--name", "systemd-host"], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("systemctl status stoker-agent");
    const unit = readFileSync(path.join(units, "stoker-agent.service"), "utf8");
    expect(unit).toContain(`EnvironmentFile=${sysPrefix}/install.env`);
    expect(unit).toMatch(new RegExp(`^ExecStart=\\S+/node ${sysPrefix}/current/agent\\.mjs run --state-dir ${sysPrefix}/state$`, "m"));
    expect(unit).toMatch(/^KillMode=process$/m);
    expect(readFileSync(calls, "utf8").trim().split("\n")).toEqual(["daemon-reload", "enable stoker-agent.service", "restart stoker-agent.service"]);
    expect(existsSync(path.join(sysPrefix, "agent.pid"))).toBe(false); // systemd starts it, not the script
    // Enrolled: the host is listed (offline: nothing ran the unit).
    expect((await hosts()).find((h) => h.name === "systemd-host")).toMatchObject({ online: false });

    // Without the running marker the systemd branch refuses, and says what to pass instead.
    const refused = await runScript(await script(), [await joinToken(), "--prefix", path.join(work, "agent-nosystemd")], { ...env, STOKER_SYSTEMD_RUNNING_DIR: path.join(work, "absent") });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain("systemd does not run here: pass --no-systemd");
  }, 180_000);
});
