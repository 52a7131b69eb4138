// The log keeper replaces app processes while the agent is away (standby.ts), on the app's own
// socket. The hard instant: the agent dies when no app process is alive (php-cgi at its defaults
// recycles every 500 requests, and under even load both processes can be between exit and respawn
// at once). The keeper must hold the socket anyway (taken from the agent beforehand) and start
// replacements, so a request during the outage is answered, not refused (a 502 from nginx). And a
// process the agent forked but had not written down when it died is kept, not orphaned.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callLocalControl } from "@/agent/link/local-control";
import { isAlive } from "@/agent/supervisor/proc-stats";
import { readState, writeState } from "@/agent/supervisor/state-file";
import { holdersOf } from "@/test/faults/fault-support";
import { isLogKeeper } from "@/test/support/log-keeper";
import { listenersNamed } from "@/agent/supervisor/socket-use";
import { appSpecFor, RUN_AS } from "@/test/support/fixture-apps";
import { runLoad } from "@/test/support/load";
import { matrixDir } from "@/test/support/restart-matrix";
import { type NginxFront, startNginxFront } from "@/test/support/nginx-front";
import { stopKeeper, waitUntil } from "@/test/support/stack";

const ROOT = path.resolve(import.meta.dirname, "../..");
let dir: ReturnType<typeof matrixDir>;
let nginx: NginxFront | null = null;
let agent: ChildProcess | null = null;
const started = new Set<number>();

beforeAll(() => {
  // dist/agent.mjs is built from this checkout once per run (test/support/agent-dist-global-setup.ts).
  dir = matrixDir("stoker-standby-");
});
afterAll(async () => {
  agent?.kill("SIGKILL");
  // The keeper first (with no agent it replaces any process that exits), and what it started.
  if (dir) {
    for (const pid of savedPids()) started.add(pid);
    stopKeeper(stateDir());
  }
  for (const pid of started) kill(-pid);
  for (const pid of started) kill(pid);
  await nginx?.stop();
  dir?.remove();
});

function savedPids(): number[] {
  try {
    const state = JSON.parse(readFileSync(path.join(stateDir(), "state.json"), "utf8")) as { apps: { processes: { pid: number }[] }[] };
    return state.apps.flatMap((a) => a.processes.map((p) => p.pid));
  } catch {
    return [];
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone
  }
}

type Proc = { pid: number; state: string };

function stateDir(): string {
  return path.join(dir.path, "state");
}

function startAgent(config: string): void {
  agent = spawn(process.execPath, ["dist/agent.mjs", "--config", config, "--state-dir", stateDir(), "--socket-dirs", dir.path], { cwd: ROOT, stdio: "ignore" });
}

async function processes(): Promise<Proc[]> {
  const r = (await callLocalControl(path.join(stateDir(), "agent.sock"), { op: "status" }).catch(() => ({ ok: false }))) as { value?: { processes: Proc[] }[] };
  const ps = (r.value?.[0]?.processes ?? []).filter((p) => p.pid);
  for (const p of ps) started.add(p.pid);
  return ps;
}

function running(count: number): Promise<Proc[]> {
  return waitUntil(async () => {
    const ps = await processes();
    return ps.length === count && ps.every((p) => p.state === "RUNNING") ? ps : null;
  }, 30_000, `${count} processes RUNNING`);
}

function keeperLog(): string {
  const file = path.join(stateDir(), "keeper.log");
  return existsSync(file) ? readFileSync(file, "utf8") : "(none)";
}

/** The keeper pids that logged "ready", newest last. */
function keeperPids(): number[] {
  return [...keeperLog().matchAll(/\[keeper (\d+)\] ready/g)].map((m) => Number(m[1]));
}

/** How many of `pid`'s fds are a listening socket bound at `sock` (or one of its staged names). */
function socketsHeld(pid: number, sock: string): number {
  const inodes = new Set(listenersNamed((name) => name === sock || name.startsWith(path.join(path.dirname(sock), `.${path.basename(sock)}.g`))).keys());
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(Number(m[1]))) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

function diagnostics(): string {
  const errors = nginx?.readErrorLog().split("\n").filter((l) => /\[(error|crit|alert)\]/.test(l)).slice(0, 5).join("\n");
  return `keeper.log:\n${keeperLog().slice(-4000)}\nnginx errors:\n${errors}`;
}

describe("the log keeper while the agent is away", () => {
  it("holds the socket and starts replacements when the agent dies with no app process alive", async () => {
    const sock = path.join(dir.path, "php.sock");
    // php-cgi at its defaults (PHP_FCGI_MAX_REQUESTS=500): nothing tuned.
    const spec = { ...appSpecFor("php", sock), name: "standby-php", processes: 2 };
    const config = path.join(dir.path, "agent.json");
    writeFileSync(config, JSON.stringify({ apps: [{ ...RUN_AS, ...spec }] }));
    nginx = await startNginxFront({ socket: `unix:${sock}`, params: spec.fastcgiParams });
    startAgent(config);
    await running(2);
    // A whole-app restart moves the app to a new socket (staged, then swapped in): the keeper lets go
    // of the old one and takes the new one from the agent, holding exactly one, whatever the count.
    for (let i = 0; i < 2; i++) {
      const r = (await callLocalControl(path.join(stateDir(), "agent.sock"), { op: "app.restart", appId: spec.name })) as { ok: boolean };
      expect(r.ok).toBe(true);
      await running(2);
    }
    const keeper = keeperPids().at(-1) ?? 0;
    expect(isAlive(keeper), diagnostics()).toBe(true);
    await waitUntil(async () => socketsHeld(keeper, sock) === 1, 10_000, `the keeper holds one copy of the socket (holds ${socketsHeld(keeper, sock)})`);

    // Every app process and then the agent, SIGKILLed back to back: the agent gets no chance to
    // respawn, and when the keeper finds it gone no process has a socket to take.
    const pids = (await processes()).map((p) => p.pid);
    // The state file also lists the earlier generations while they drain: not replacements.
    const before = savedPids();
    for (const pid of pids) kill(pid);
    agent?.kill("SIGKILL");
    await new Promise((r) => agent?.once("exit", r));
    for (const pid of pids) await waitUntil(async () => !isAlive(pid), 5000, `${pid} gone`);

    // During the outage: answered by the keeper's replacements, not refused.
    const during = await runLoad({ url: `${nginx.url}/outage`, concurrency: 2, durationMs: 10_000, maxRequests: 20 });
    expect(during.failed, `${JSON.stringify(during.statuses)} ${during.errors.join(", ")}\n${diagnostics()}`).toBe(0);
    // The keeper's replacements, in the state file for the next agent to adopt.
    const saved = savedPids();
    for (const pid of saved) started.add(pid);
    expect(saved.filter((pid) => !pids.includes(pid) && !before.includes(pid) && isAlive(pid)).length, diagnostics()).toBe(2);
    expect(keeperLog()).toMatch(/the log keeper replaced it at once|slot \d had no process when the agent left/);

    // The next agent takes the keeper's socket back and adopts its replacements; the old keeper ends.
    startAgent(config);
    await running(2);
    await waitUntil(async () => !isAlive(keeper), 15_000, "the handed-back keeper exits");
    const after = await runLoad({ url: `${nginx.url}/after`, concurrency: 2, durationMs: 10_000, maxRequests: 20 });
    expect(after.failed, `${JSON.stringify(after.statuses)}\n${diagnostics()}`).toBe(0);
    const next = keeperPids().at(-1) ?? 0;
    expect(next).not.toBe(keeper);
    await waitUntil(async () => isAlive(next) && socketsHeld(next, sock) === 1, 10_000, "the new keeper holds the socket");
  }, 120_000);

  it("keeps a process the agent forked but had not named when it died: its pipes read, the state file names it, the next agent adopts it", async () => {
    // The agent spawned a replacement and was killed before writing its pid (a spawn takes tens of
    // ms under load): the state file still names the gone process in that slot. Made here by
    // freezing the agent and writing the file it would have left.
    const sock = path.join(dir.path, "php.sock");
    const config = path.join(dir.path, "agent.json");
    const [unnamed, other] = (await running(2)).map((p) => p.pid);
    const file = path.join(stateDir(), "state.json");
    agent?.kill("SIGSTOP");
    const apps = readState(file);
    const gone = spawnSync("true").pid ?? 1;
    for (const app of apps) app.processes = app.processes.map((p) => (p.pid === unnamed ? { ...p, pid: gone, startTicks: 1 } : p));
    writeState(file, apps);
    const keeper = keeperPids().at(-1) ?? 0;
    agent?.kill("SIGKILL");
    await new Promise((r) => agent?.once("exit", r));
    await waitUntil(async () => keeperLog().includes(`[keeper ${keeper}] agent gone`), 15_000, `the keeper finds the agent gone\n${diagnostics()}`);
    expect(keeperLog(), diagnostics()).toContain(`process ${unnamed} holds the app's socket`);
    expect(savedPids()).toContain(unnamed);
    expect(savedPids()).not.toContain(gone);
    expect(keeperLog().match(/agent gone: keeping (\d+) pipes/g)?.at(-1)).toBe("agent gone: keeping 4 pipes"); // both processes' stdout and stderr
    const during = await runLoad({ url: `${nginx?.url}/unnamed`, concurrency: 2, durationMs: 10_000, maxRequests: 20 });
    expect(during.failed, `${JSON.stringify(during.statuses)}\n${diagnostics()}`).toBe(0);
    startAgent(config);
    const adopted = (await running(2)).map((p) => p.pid).sort((a, b) => a - b);
    await waitUntil(async () => !isAlive(keeper), 15_000, "the handed-back keeper exits");
    expect(adopted).toEqual([unnamed, other].sort((a, b) => a - b));
    // Nothing else serves on the socket: no process the keeper started beside the one it kept.
    const holders = holdersOf(sock).map((h) => h.pid).filter((pid) => pid !== agent?.pid && !isLogKeeper(pid));
    expect(holders.sort((a, b) => a - b)).toEqual(adopted);
  }, 90_000);
});
