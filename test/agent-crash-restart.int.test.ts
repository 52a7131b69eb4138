// Issue 15 item 6: the agent SIGKILLed at every step of a rolling restart (STOKER_FAILPOINT), under
// load behind nginx. After the next agent starts: no process left stopped, no second generation on
// the app's sockets, no staged socket file, the app serves, and no request failed meanwhile.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAlive, readProcStat } from "@/agent/supervisor/proc-stats";
import { callLocalControl } from "@/agent/link/local-control";
import { appSpecFor, RUN_AS } from "./support/fixture-apps";
import { freePort } from "./support/free-port";
import { runLoad, startLoad } from "./support/load";
import { startNginxFront } from "./support/nginx-front";
import { MATRIX_KINDS, matrixDir, noStrayProcesses } from "./support/restart-matrix";
import { stopKeeper, waitUntil } from "./support/stack";

const ROOT = path.resolve(import.meta.dirname, "..");
// Every named step of a whole-app restart (restart-swap.ts, restart-app-bound.ts), in order.
const SWAP_STEPS = ["restart.staged", "restart.launched", "restart.probed", "restart.swapped", "restart.drained", "restart.stopping"];
// An app that binds its own socket: its staged socket moves beside the path, then onto it (app-bound-stage.ts).
const APP_BOUND_STEPS = ["restart.staged", "restart.launched", "restart.probed", "restart.unstaged", "restart.swapped", "restart.drained", "restart.stopping"];
// Made in beforeAll: a file whose tests a filter skips runs no afterAll, and would leak it.
let dir: ReturnType<typeof matrixDir>;
beforeAll(() => {
  dir = matrixDir("stoker-crash-");
});
const cleanups: (() => Promise<void> | void)[] = [];
// The agent as shipped (dist/agent.mjs, one bundle, fast to start) is built from this checkout once
// per run, before any file starts (test/support/agent-dist-global-setup.ts).
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  dir.remove();
});

type Proc = { pid: number; state: string };

function agentFor(name: string, spec: object) {
  const stateDir = path.join(dir.path, `state-${name}`);
  const config = path.join(dir.path, `${name}.json`);
  writeFileSync(config, JSON.stringify({ apps: [{ ...RUN_AS, ...spec }] })); // an omitted user never means root
  let child: ChildProcess | null = null;
  const seen = new Set<number>();
  const agent = {
    start(failpoint?: string) {
      const env = { ...process.env, ...(failpoint ? { STOKER_FAILPOINT: failpoint } : {}) };
      child = spawn(process.execPath, ["dist/agent.mjs", "--config", config, "--state-dir", stateDir, "--socket-dirs", dir.path], { cwd: ROOT, env, stdio: "ignore" });
    },
    exited(): Promise<void> {
      const c = child;
      return new Promise((resolve) => (!c || c.exitCode !== null || c.signalCode ? resolve() : c.once("exit", () => resolve())));
    },
    async ctl(op: object): Promise<{ ok: boolean; value?: unknown }> {
      return (await callLocalControl(path.join(stateDir, "agent.sock"), op).catch(() => ({ ok: false }))) as { ok: boolean; value?: unknown };
    },
    async processes(): Promise<Proc[]> {
      const r = await agent.ctl({ op: "status" });
      const ps = ((r.value as { processes: Proc[] }[] | undefined)?.[0]?.processes ?? []).filter((p) => p.pid);
      for (const p of ps) seen.add(p.pid);
      return ps;
    },
    /** Every pid the state file has named: a crashed restart's new generation too. */
    noteSaved(): void {
      try {
        const state = JSON.parse(readFileSync(path.join(stateDir, "state.json"), "utf8")) as { apps: { processes: { pid: number }[] }[] };
        for (const p of state.apps.flatMap((a) => a.processes)) seen.add(p.pid);
      } catch {
        // not written yet
      }
    },
    seen,
    stateDir,
    pid: () => child?.pid,
  };
  cleanups.push(async () => {
    child?.kill("SIGKILL");
    // The keeper first: with no agent it replaces any process that exits, in the state dir being removed.
    stopKeeper(stateDir);
    agent.noteSaved(); // its replacements too
    for (const pid of seen) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  });
  return agent;
}

async function recovered(agent: ReturnType<typeof agentFor>, count: number, sock: string | null, step = "start"): Promise<Proc[]> {
  let why = "";
  const check = async (): Promise<Proc[] | string> => {
    const ps = await agent.processes();
    if (ps.length !== count || !ps.every((p) => p.state === "RUNNING")) return `processes ${JSON.stringify(ps)}`;
    const pids = ps.map((p) => p.pid);
    // Everything any agent started is either live now or gone, and nothing is left paused.
    for (const pid of agent.seen) {
      const st = readProcStat(pid)?.state;
      if (st === "T" || st === "t") return `${pid} stopped`;
      if (!pids.includes(pid) && isAlive(pid)) return `${pid} still alive`;
    }
    if (sock) {
      const strays = await noStrayProcesses(sock, pids, agent.pid());
      if (strays.length) return strays.join(", ");
      const staged = readdirSync(path.dirname(sock)).filter((f) => f.startsWith(`.${path.basename(sock)}.g`));
      if (staged.length) return `left: ${staged.join(", ")}`;
    }
    return ps;
  };
  return waitUntil(
    async () => {
      const r = await check();
      if (typeof r !== "string") return r;
      why = r;
      return null;
    },
    30_000,
    `one live generation, nothing stopped or stray, after ${step} (last: ${why})`,
  ).catch((e: Error) => {
    throw new Error(`${e.message}; last: ${why}`);
  });
}

/** The generation the agent's state file names as live, and its processes' generations. */
function savedGenerations(stateDir: string): { live: number; processes: number[] } {
  const state = JSON.parse(readFileSync(path.join(stateDir, "state.json"), "utf8")) as { apps: { generation: number; processes: { generation: number }[] }[] };
  return { live: state.apps[0].generation, processes: state.apps[0].processes.map((p) => p.generation) };
}

// Every kind of the matrix at its defaults, php-cgi included: it recycles every 500 requests, and
// under this load it does so during the agent's absences too, where the log keeper replaces each
// recycled process (standby.ts) so the app keeps serving until the next agent adopts them.
const CRASH_KINDS = MATRIX_KINDS;

describe.each(CRASH_KINDS)("$name, agent SIGKILLed at each restart step", (kind) => {
  it("recovers to one serving generation with no stopped or orphaned process, failing no request", async () => {
    const steps = kind.appBound ? APP_BOUND_STEPS : SWAP_STEPS;
    const count = kind.appBound ? 1 : 2;
    const sock = path.join(dir.path, `${kind.name}.sock`);
    const spec = { ...kind.spec(sock), name: `crash-${kind.name}`, processes: count };
    const nginx = await startNginxFront({ socket: `unix:${sock}`, params: spec.fastcgiParams });
    cleanups.push(() => nginx.stop());
    const agent = agentFor(kind.name, spec);
    agent.start(steps[0]);
    await recovered(agent, count, sock);
    const load = startLoad({ url: `${nginx.url}/c`, concurrency: 8, durationMs: 240_000 });
    for (const [i, step] of steps.entries()) {
      const before = savedGenerations(agent.stateDir).live;
      const restart = agent.ctl({ op: "app.restart", appId: spec.name });
      await agent.exited(); // SIGKILLed at `step`
      // Before the swap the reply never comes (the connection dies with the agent); after it, the
      // restart has answered and the agent dies retiring the old generation.
      const replied = await Promise.race([restart.then((r) => r.ok), new Promise((r) => setTimeout(() => r(false), 1000))]);
      const swapped = steps.indexOf(step) >= steps.indexOf("restart.swapped");
      if (!swapped) expect(replied, step).toBe(false);
      agent.noteSaved();
      agent.start(steps[i + 1]);
      await recovered(agent, count, sock, step);
      // Up to the swap the old generation stays; from the swap on, the new one does. By generation,
      // not pid: php-cgi at its defaults recycles its processes under this load anyway.
      await waitUntil(async () => savedGenerations(agent.stateDir).processes.length === count, 10_000, "the state file written");
      const after = savedGenerations(agent.stateDir);
      expect(after.processes, step).toEqual(Array(count).fill(after.live));
      expect(after.live, step).toBe(swapped ? before + 1 : before);
    }
    const result = await load.stop();
    // On failure, what the log keeper did while the agent was away, and what nginx saw.
    const keeperLog = path.join(agent.stateDir, "keeper.log");
    const said = () => `\nkeeper.log:\n${existsSync(keeperLog) ? readFileSync(keeperLog, "utf8").slice(-4000) : "(none)"}\nnginx errors:\n${nginx.errorLines().slice(0, 5).join("\n")}`;
    expect(result.failed, `${result.errors.join(", ")} ${JSON.stringify(result.statuses)}${result.failed ? said() : ""}`).toBe(0);
    const check = await runLoad({ url: `${nginx.url}/d`, concurrency: 2, durationMs: 5000, maxRequests: 10 });
    expect(check.failed).toBe(0);
  }, 420_000);
});

describe("a TCP socket (the old generation is paused while the new one is probed)", () => {
  it("leaves nothing stopped when the agent dies with the old generation paused", async () => {
    const port = await freePort();
    const spec = { ...appSpecFor("php", "/unused"), name: "crash-tcp", processes: 2, socket: { tcp: `127.0.0.1:${port}` } };
    const nginx = await startNginxFront({ socket: `tcp:127.0.0.1:${port}`, params: spec.fastcgiParams });
    cleanups.push(() => nginx.stop());
    const agent = agentFor("tcp", spec);
    agent.start("restart.paused");
    await recovered(agent, 2, null);
    const restart = agent.ctl({ op: "app.restart", appId: spec.name });
    await agent.exited();
    expect(await Promise.race([restart.then((r) => r.ok), new Promise((r) => setTimeout(() => r(false), 1000))])).toBe(false);
    agent.noteSaved();
    agent.start();
    await recovered(agent, 2, null);
    const check = await runLoad({ url: `${nginx.url}/t`, concurrency: 2, durationMs: 5000, maxRequests: 10 });
    expect(check.failed).toBe(0);
  }, 60_000);
});
