// The agent SIGKILLed at each step of a deployment (STOKER_FAILPOINT_FILE arms one step at a time),
// under load through nginx, with php-cgi at its defaults (it recycles every 500 requests, so the log
// keeper must replace processes while the agent is away). At every step: no failed request while the
// agent is away or after it is back, nothing stopped or orphaned on the app's socket, the deployment
// ends failed with the reason, and the next deployment succeeds. One stack for all steps.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { type GitFixture, makeGitRepo } from "@/agent/deploy/testing/git-fixture";
import type { DeploymentView } from "@/lib/protocol";
import { childrenOf, holdersOf } from "./faults/fault-support";
import { RUN_AS } from "./support/fixture-apps";
import { isLogKeeper } from "./support/log-keeper";
import { startLoad } from "./support/load";
import { type NginxFront, startNginxFront } from "./support/nginx-front";
import { deploymentsApi } from "./support/deployments";
import { ownerToken, type Stack, startStack, tokenCaller, waitUntil } from "./support/stack";

const INDEX = `<?php
header('Content-Type: text/plain');
echo trim(file_get_contents(__DIR__ . '/VERSION'));
`;
// Every step of a deployment (run-deployment.ts, switch-release.ts) and of its rolling start
// (restart-swap.ts), in order. npm start brings the agent back after 1 s, doubling per kill (up to
// 30 s), so the whole matrix takes minutes: CI runs the steps where the processes change hands (a new
// generation beside the old, swapped in, serving before `current` moves, after it); STOKER_DEPLOY_KILL_ALL=1 runs all.
const ALL_STEPS = [
  "deploy.fetch",
  "deploy.build",
  "deploy.start",
  "restart.staged",
  "restart.launched",
  "restart.probed",
  "restart.swapped",
  "deploy.health",
  "deploy.switch",
  "deploy.stop-old",
  "deploy.prune",
];
const CI_STEPS = ["restart.launched", "restart.swapped", "deploy.health", "deploy.stop-old"];
const STEPS = process.env.STOKER_DEPLOY_KILL_ALL === "1" ? ALL_STEPS : CI_STEPS;

const tmp = mkdtempSync(path.join(tmpdir(), "stoker-deploy-kill-"));
chmodSync(tmp, 0o755);
const armFile = path.join(tmp, "failpoint");
const root = path.join(tmp, "srv");
let stack: Stack;
let token: string;
let appId: string;
let repo: GitFixture;
let nginx: NginxFront;
let sock: string;

const call = tokenCaller(() => stack.url, () => token);
const api = deploymentsApi(call);
const finished = api.finished;
const deploy = (ref: string) => api.deploy(appId, ref);

/** The host online and both processes RUNNING under an agent. */
const serving = () =>
  waitUntil(async () => {
    const hosts = (await call<{ online: boolean }[]>("GET", "/hosts")).body;
    const a = (await call<{ processes: { state: string }[] }>("GET", `/apps/${appId}`)).body;
    return agentOf() !== undefined && hosts.every((h) => h.online) && a.processes.length === 2 && a.processes.every((p) => p.state === "RUNNING");
  }, 60_000, "the app RUNNING under a connected agent");

const agentOf = () => childrenOf(stack.startPid() ?? -1).find((k) => /agent(\.mjs|\/main\.ts)/.test(k.cmdline))?.pid;

beforeAll(async () => {
  repo = makeGitRepo(tmp);
  repo.commit({ "index.php": INDEX, VERSION: "v1" }, "First version", "v1");
  repo.commit({ "index.php": INDEX, VERSION: "v2" }, "Second version", "v2");
  stack = await startStack({ STOKER_FAILPOINT_FILE: armFile });
  token = await ownerToken(stack.url);
  const hosts = await waitUntil(async () => {
    const list = (await call<{ id: string; online: boolean }[]>("GET", "/hosts")).body;
    return list.some((h) => h.online) ? list : null;
  }, 30_000);
  sock = path.join(stack.dataDir, "run", "shop.sock");
  const created = await call<{ id: string }>("POST", "/apps", {
    name: "shop",
    hostId: hosts[0].id,
    command: ["/usr/bin/php-cgi", "-d", "realpath_cache_size=0", "-d", "opcache.enable=0"],
    env: { PHP_FCGI_CHILDREN: "0" },
    processes: 2,
    socket: { path: sock },
    ...RUN_AS,
    fastcgiParams: { SCRIPT_FILENAME: "{release}/index.php" },
    ready: { timeoutMs: 5000 },
    deploy: { root, source: { git: repo.bare, ref: "main" }, keepReleases: 3 },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  appId = created.body.id;
  expect((await deploy("v1")).status).toBe("succeeded");
  nginx = await startNginxFront({ socket: `unix:${sock}`, params: { SCRIPT_FILENAME: path.join(root, "current", "index.php") } });
}, 180_000);

afterAll(async () => {
  await nginx?.stop();
  await stack?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

describe("the agent SIGKILLed at each step of a deployment", () => {
  let ref = "v1";
  it.each(STEPS)("%s: no failed request, nothing stopped or stray, the deployment ends failed, the next one succeeds", async (step) => {
    await serving();
    const agent = agentOf();
    ref = ref === "v1" ? "v2" : "v1";
    onTestFailed(async () => {
      const keeperLog = path.join(stack.dataDir, "agent", "keeper.log");
      const events = (await call<{ events: { ts: string; kind: string; pid: number; detail: string }[] }>("GET", `/apps/${appId}/events?limit=40`)).body.events;
      console.log(`[${step}] events (newest first):\n${events.map((e) => `${e.ts} ${e.kind} ${e.pid} ${e.detail}`).join("\n")}\nkeeper.log:\n${existsSync(keeperLog) ? readFileSync(keeperLog, "utf8").slice(-3000) : "(none)"}\nnpm start's output:\n${stack.logs().slice(-3000)}`);
    });
    writeFileSync(armFile, step);
    const load = startLoad({ url: nginx.url, concurrency: 2, durationMs: 120_000, requestTimeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    const started = await call<DeploymentView>("POST", `/apps/${appId}/deployments`, { ref });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    await waitUntil(async () => agentOf() !== agent || null, 30_000, `the agent killed at ${step}`);
    expect(existsSync(armFile)).toBe(false); // it died at the armed step, not of something else
    const interrupted = await finished(started.body.id);
    await serving();
    const away = await load.stop();
    const after = await startLoad({ url: nginx.url, concurrency: 2, durationMs: 1_500, requestTimeoutMs: 10_000 }).done;
    const again = await deploy(ref);
    // The agent and its log keeper hold a copy of the socket too (the keeper's serves while the agent is away).
    const appHolders = () => holdersOf(sock).filter((h) => h.pid !== agentOf() && !isLogKeeper(h.pid));
    const holders = await waitUntil(async () => {
      const h = appHolders();
      return h.length === 2 ? h : null;
    }, 15_000, "two processes on the socket").catch(appHolders);
    // Each process on the socket now, whoever started it (agent, keeper, the agent before the kill), is in the timeline.
    const events = (await call<{ events: { kind: string; pid: number }[] }>("GET", `/apps/${appId}/events?limit=200`)).body.events;
    const inTimeline = new Set(events.filter((e) => ["start", "restart", "recycle", "adopt", "ready"].includes(e.kind)).map((e) => e.pid));
    const missing = holders.filter((h) => !inTimeline.has(h.pid)).length;
    console.log(`[agent SIGKILL at ${step}] deployment ${interrupted.status} at ${interrupted.steps.find((s) => s.status !== "ok" && s.status !== "skipped")?.name}; requests ${away.requests}, failed ${away.failed} (${JSON.stringify(away.statuses)}); after take-over ${after.requests}, failed ${after.failed}; next deployment ${again.status}; on the socket ${holders.length} (stopped ${holders.filter((h) => h.state === "T").length}), missing from the timeline ${missing}`);
    expect(interrupted.status).toBe("failed");
    expect(interrupted.message).toMatch(/agent restarted/);
    expect(away.failed, JSON.stringify(away.statuses)).toBe(0);
    expect(after.failed, JSON.stringify(after.statuses)).toBe(0);
    expect(again.status, again.message).toBe("succeeded");
    expect(holders.filter((h) => h.state === "T" || h.state === "t")).toEqual([]);
    expect(holders).toHaveLength(2);
    expect(missing).toBe(0);
  }, 180_000);
});
