// Faults under `npm start` (control plane + agent + demo app, a real nginx in front, bounded load):
// the control plane SIGKILLed, the agent SIGKILLed (idle and in the middle of a restart), and a
// second `npm start` while the first still holds the port. Figures printed and asserted: failed
// requests, processes stopped or orphaned, adoption events missing from the timeline.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningLoad, startLoad } from "../support/load";
import { type NginxFront, startNginxFront } from "../support/nginx-front";
import { ownerToken, type Stack, startStack, waitUntil } from "../support/stack";
import { childrenOf, holdersOf, ROOT } from "./fault-support";

type Proc = { pid: number; state: string };
type ApiApp = { id: string; name: string; host: { online: boolean }; processes: Proc[] };
type Event = { ts: string; kind: string; pid: number; detail: string };

let stack: Stack;
let token: string;
let nginx: NginxFront;
let sock: string;

const api = async <T>(p: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
  const res = await fetch(`${stack.url}/api/v1${p}`, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers } });
  return { status: res.status, body: (await res.json().catch(() => null)) as T };
};

const roles = () => {
  const kids = childrenOf(stack.startPid() ?? -1);
  return { server: kids.find((k) => k.cmdline.includes("server.ts"))?.pid, agent: kids.find((k) => /agent(\.mjs|\/main\.ts)/.test(k.cmdline))?.pid };
};

async function demo(): Promise<ApiApp> {
  return waitUntil(
    async () => {
      const apps = (await api<ApiApp[]>("/apps").catch(() => ({ body: [] as ApiApp[] }))).body ?? [];
      const d = apps.find((a) => a.name === "demo");
      return d?.host.online && d.processes.length === 2 && d.processes.every((p) => p.state === "RUNNING") ? d : null;
    },
    60_000,
    "the demo app online with 2 RUNNING processes",
  );
}

/** Processes on the socket that are neither the agent nor one of the app's supervised processes. */
function strays(pids: number[]): Proc[] {
  const agent = roles().agent;
  return holdersOf(sock).filter((h) => h.pid !== agent && !pids.includes(h.pid));
}

function load(): RunningLoad {
  return startLoad({ url: `${nginx.url}/`, concurrency: 2, durationMs: 90_000, requestTimeoutMs: 10_000 });
}

beforeAll(async () => {
  stack = await startStack();
  token = await ownerToken(stack.url);
  await demo();
  sock = path.join(stack.dataDir, "run", "demo.sock");
  nginx = await startNginxFront({ socket: `unix:${sock}` });
}, 180_000);

afterAll(async () => {
  await nginx?.stop();
  await stack?.destroy();
});

describe("faults under npm start", () => {
  it("a second npm start while the first holds the port fails at once with one message and starts nothing", () => {
    const r = spawnSync(process.execPath, ["scripts/start.mjs"], { cwd: ROOT, encoding: "utf8", timeout: 30_000, env: { ...process.env, PORT: String(stack.port), STOKER_DATA_DIR: path.join(stack.dataDir, "second") } });
    console.log(`[port held] exit ${r.status}: ${r.stderr.trim()}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`127.0.0.1:${stack.port} is already in use`);
    expect(existsSync(path.join(stack.dataDir, "second"))).toBe(false); // nothing migrated, built or started
  });

  it("the control plane SIGKILLed: npm start brings it back, the agent and the app never notice", async () => {
    const before = roles();
    const pids = (await demo()).processes.map((p) => p.pid);
    const running = load();
    await new Promise((r) => setTimeout(r, 1000));
    const killedAt = Date.now();
    process.kill(before.server ?? -1, "SIGKILL");
    const back = await waitUntil(async () => {
      const now = roles().server;
      return now && now !== before.server && (await fetch(`${stack.url}/api/v1/health`).then((r) => r.ok).catch(() => false)) ? now : null;
    }, 60_000, "a new control plane");
    const downMs = Date.now() - killedAt;
    const after = await demo();
    await new Promise((r) => setTimeout(r, 1000));
    const result = await running.stop();
    console.log(`[control plane SIGKILL] back in ${downMs} ms (pid ${before.server} → ${back}); agent pid ${before.agent} → ${roles().agent}; requests ${result.requests}, failed ${result.failed}; app pids kept ${after.processes.filter((p) => pids.includes(p.pid)).length}/2, strays ${strays(pids).length}`);
    expect(roles().agent).toBe(before.agent);
    expect(after.processes.map((p) => p.pid).sort()).toEqual([...pids].sort());
    expect(result.failed, result.errors.join(", ")).toBe(0);
  }, 150_000);

  it("the agent SIGKILLed: npm start brings it back, it adopts the processes and the timeline says so", async () => {
    const before = roles();
    const app = await demo();
    const pids = app.processes.map((p) => p.pid);
    const running = load();
    await new Promise((r) => setTimeout(r, 1000));
    const killedAt = new Date().toISOString();
    process.kill(before.agent ?? -1, "SIGKILL");
    await waitUntil(async () => roles().agent && roles().agent !== before.agent, 30_000, "a new agent");
    const after = await demo();
    const adopted = await waitUntil(async () => {
      const events = (await api<{ events: Event[] }>(`/apps/${app.id}/events?limit=50`)).body.events.filter((e) => e.ts >= killedAt && e.kind === "adopt");
      return events.length >= pids.length ? events : null;
    }, 30_000, "the adoption events").catch(() => [] as Event[]);
    await new Promise((r) => setTimeout(r, 1000));
    const result = await running.stop();
    const missing = pids.filter((p) => !adopted.some((e) => e.pid === p)).length;
    const stray = strays(after.processes.map((p) => p.pid));
    const stopped = holdersOf(sock).filter((h) => h.state === "T").length;
    console.log(`[agent SIGKILL] agent pid ${before.agent} → ${roles().agent}; requests ${result.requests}, failed ${result.failed}; adopted ${after.processes.filter((p) => pids.includes(p.pid)).length}/2; adoption events missing ${missing}; stopped ${stopped}, strays ${stray.length}`);
    expect(after.processes.map((p) => p.pid).sort()).toEqual([...pids].sort());
    expect(missing).toBe(0);
    expect(result.failed, result.errors.join(", ")).toBe(0);
    expect(stopped).toBe(0);
    expect(stray).toEqual([]);
  }, 150_000);

  it("the agent SIGKILLed in the middle of a restart: the app serves, nothing is left stopped or orphaned", async () => {
    const app = await demo();
    const before = roles();
    const running = load();
    await new Promise((r) => setTimeout(r, 1000));
    const restart = api(`/apps/${app.id}/restart`, { method: "POST", headers: { "x-stoker-csrf": "1" } }).catch(() => null);
    await new Promise((r) => setTimeout(r, 150));
    const killedAt = Date.now();
    process.kill(before.agent ?? -1, "SIGKILL");
    const answer = await restart;
    const answeredMs = Date.now() - killedAt;
    await waitUntil(async () => roles().agent && roles().agent !== before.agent, 30_000, "a new agent");
    const after = await demo();
    await new Promise((r) => setTimeout(r, 3000)); // a generation the dead agent left behind is retired once it has served
    const result = await running.stop();
    const stray = strays(after.processes.map((p) => p.pid));
    const stopped = holdersOf(sock).filter((h) => h.state === "T").length;
    const events = (await api<{ events: Event[] }>(`/apps/${app.id}/events?limit=100`)).body.events;
    console.log(`[agent SIGKILL mid-restart] restart answered ${answer?.status} ${answeredMs} ms after the kill; requests ${result.requests}, failed ${result.failed}; running ${after.processes.length}, stopped ${stopped}, strays ${stray.length}; last events: ${events.slice(0, 6).map((e) => `${e.kind}:${e.pid}`).join(" ")}`);
    expect(answer?.status).toBe(503); // the agent went away: said at once, not after the call's timeout
    expect(answeredMs).toBeLessThan(10_000);
    expect(result.failed, result.errors.join(", ")).toBe(0);
    expect(stopped).toBe(0);
    expect(stray).toEqual([]);
  }, 150_000);
});
