// Deployments through the whole stack: API → control plane → agent → real php-cgi processes on an
// agent-owned socket behind a real nginx, from a real bare git repository. Deploys under load with
// no failed request, refuses a never-healthy release, rolls back, and deploys by signed webhook.
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { type GitFixture, makeGitRepo } from "@/agent/deploy/testing/git-fixture";
import { writeTarGz } from "@/agent/deploy/testing/make-tar";
import type { DeploymentView, ReleaseInfo } from "@/lib/protocol";
import { childrenOf, holdersOf } from "./faults/fault-support";
import { RUN_AS } from "./support/fixture-apps";
import { startLoad } from "./support/load";
import { type NginxFront, startNginxFront } from "./support/nginx-front";
import { deploymentsApi } from "./support/deployments";
import { ADMIN, ownerToken, type Stack, startStack, tokenCaller, waitUntil } from "./support/stack";

// Which version answered, and a health path that a marker file turns into a 503.
const INDEX = `<?php
header('Content-Type: text/plain');
if (($_SERVER['REQUEST_URI'] ?? '') === '/health' && file_exists(__DIR__ . '/UNHEALTHY')) { http_response_code(503); echo "unhealthy"; return; }
echo trim(file_get_contents(__DIR__ . '/VERSION'));
`;

const tmp = mkdtempSync(path.join(tmpdir(), "stoker-deploy-"));
chmodSync(tmp, 0o755);
const root = path.join(tmp, "srv");
let stack: Stack;
let token: string;
let appId: string;
let repo: GitFixture;
let nginx: NginxFront;
const commits: Record<string, string> = {};

const call = tokenCaller(() => stack.url, () => token);
const api = deploymentsApi(call);
const finished = api.finished;
const deploy = (ref: string) => api.deploy(appId, ref);

/** What the app's own socket answers (the API's test request: fastcgiParams resolved to the live release). */
async function served(): Promise<string> {
  const res = await call<{ status: number; body: string }>("POST", `/apps/${appId}/test-request`, { path: "/" });
  return `${res.body.status} ${res.body.body}`;
}

const failedStep = (d: DeploymentView) => d.steps.find((s) => s.status === "failed");

beforeAll(async () => {
  repo = makeGitRepo(tmp);
  commits.v1 = repo.commit({ "index.php": INDEX, VERSION: "v1" }, "First version", "v1");
  commits.v2 = repo.commit({ "index.php": INDEX, VERSION: "v2" }, "Second version", "v2");
  commits.v3 = repo.commit({ "index.php": INDEX, VERSION: "v3", UNHEALTHY: "" }, "Never healthy", "v3");
  commits.v4 = repo.commit({ "index.php": INDEX, VERSION: "v4" }, "Fourth version");
  stack = await startStack();
  token = await ownerToken(stack.url);
  const hosts = await waitUntil(async () => {
    const list = (await call<{ id: string; online: boolean }[]>("GET", "/hosts")).body;
    return list.some((h) => h.online) ? list : null;
  }, 30_000);
  const created = await call<{ id: string }>("POST", "/apps", {
    name: "shop",
    hostId: hosts[0].id,
    // nginx below reaches the code through `current`: PHP's realpath cache and opcache (keyed by
    // the unresolved path, __DIR__ compiled in) would keep serving the old release after the
    // switch: the classic symlink-deploy pitfall (see README "Deploying").
    command: ["/usr/bin/php-cgi", "-d", "realpath_cache_size=0", "-d", "opcache.enable=0"],
    env: { PHP_FCGI_CHILDREN: "0" },
    processes: 2,
    socket: { path: path.join(stack.dataDir, "run", "shop.sock") },
    ...RUN_AS,
    fastcgiParams: { SCRIPT_FILENAME: "{release}/index.php" },
    ready: { timeoutMs: 5000 },
    deploy: { root, source: { git: repo.bare, ref: "main" }, keepReleases: 5, healthPath: "/health" },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  appId = created.body.id;
}, 180_000);

afterAll(async () => {
  await nginx?.stop();
  await stack?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

describe("deployments through the API", () => {
  it("deploys v1 as the first release and serves it", async () => {
    const d = await deploy("v1");
    expect(d.message).toBe("");
    expect(d.status).toBe("succeeded");
    expect(d.commit).toBe(commits.v1);
    expect(d.commitMessage).toBe("First version");
    expect(d.commitAuthor).toBe("Ada Lovelace");
    expect(d.steps.map((s) => `${s.name}:${s.status}`)).toEqual(["fetch:ok", "build:skipped", "start:ok", "health:ok", "switch:ok", "stop-old:ok", "prune:ok"]);
    expect(await served()).toBe("200 v1");
  });

  it("deploys v2 under load through nginx with no failed request; after the switch only v2 answers", async () => {
    nginx = await startNginxFront({ socket: `unix:${path.join(stack.dataDir, "run", "shop.sock")}`, params: { SCRIPT_FILENAME: path.join(root, "current", "index.php") } });
    const load = startLoad({ url: nginx.url, concurrency: 4, durationMs: 60_000 });
    const answers: { at: number; body: string }[] = [];
    let stop = false;
    const watcher = (async () => {
      while (!stop) {
        const at = Date.now();
        const res = await fetch(nginx.url).catch(() => null);
        answers.push({ at, body: res ? `${res.status} ${await res.text()}` : "network error" });
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const d = await deploy("v2");
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await watcher;
    const result = await load.stop();
    expect(d.status, d.message).toBe("succeeded");
    expect(result.errors).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.requests).toBeGreaterThan(20);
    const switched = Date.parse(d.steps.find((s) => s.name === "switch")?.endedAt ?? "");
    const after = answers.filter((a) => a.at > switched);
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(after.map((a) => a.body))).toEqual(new Set(["200 v2"]));
    expect(await served()).toBe("200 v2");
    console.log(`[deploy] v2 deployed in ${d.durationMs} ms; ${result.requests} requests through nginx during it, ${result.failed} failed`);
  });

  it("marks a never-healthy release failed at its step, with the reason, and keeps v2 serving", async () => {
    const load = startLoad({ url: nginx.url, concurrency: 2, durationMs: 60_000 });
    const d = await deploy("v3");
    const result = await load.stop();
    expect(d.status).toBe("failed");
    expect(failedStep(d)?.name).toBe("start");
    expect(failedStep(d)?.output).toMatch(/503/);
    expect(d.message).toMatch(/did not start/);
    expect(result.failed).toBe(0);
    expect(await served()).toBe("200 v2");
  });

  it("gives an unknown ref a failed fetch step", async () => {
    const d = await deploy("no-such-tag");
    expect(d.status).toBe("failed");
    expect(failedStep(d)?.name).toBe("fetch");
    expect(d.message).toBe('The repository has no branch, tag or commit named "no-such-tag".');
    expect(await served()).toBe("200 v2");
  });

  it("refuses a second deployment while one runs (409)", async () => {
    const first = await call<DeploymentView>("POST", `/apps/${appId}/deployments`, { ref: "v2" });
    const second = await call<{ code: string; message: string }>("POST", `/apps/${appId}/deployments`, { ref: "v1" });
    expect(first.status).toBe(202);
    expect(second.status).toBe(409);
    expect(second.body.message).toMatch(/still running/);
    expect((await finished(first.body.id)).status).toBe("succeeded");
  });

  it("rolls back to the v1 release", async () => {
    const releases = (await call<ReleaseInfo[]>("GET", `/apps/${appId}/deploy/releases`)).body;
    const v1 = releases.find((r) => commits.v1.startsWith(r.commit));
    expect(v1?.current).toBe(false);
    expect(releases.filter((r) => r.current)).toHaveLength(1);
    const res = await call<DeploymentView>("POST", `/apps/${appId}/rollback`, { release: v1?.name });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const d = await finished(res.body.id);
    expect(d.status, d.message).toBe("succeeded");
    expect(d.kind).toBe("rollback");
    expect(await served()).toBe("200 v1");
    const after = (await call<ReleaseInfo[]>("GET", `/apps/${appId}/deploy/releases`)).body;
    expect(after.find((r) => r.current)?.name).toBe(v1?.name);
  });

  it("lists the refs of the repository and the commits between live and proposed", async () => {
    const refs = (await call<{ name: string; kind: string }[]>("GET", `/apps/${appId}/deploy/refs`)).body;
    expect(refs.map((r) => `${r.kind}:${r.name}`)).toEqual(["branch:main", "tag:v1", "tag:v2", "tag:v3"]);
    const diff = (await call<{ message: string }[]>("GET", `/apps/${appId}/deploy/commits?to=main`)).body;
    expect(diff.map((c) => c.message)).toEqual(["Fourth version", "Never healthy", "Second version"]);
  });
});

describe("the deploy webhook", () => {
  let secret: string;
  const hook = (body: string, signature: string) =>
    fetch(`${stack.url}/api/v1/hooks/deploy/${appId}`, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "push", "x-hub-signature-256": signature }, body });
  const sign = (body: string) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

  beforeAll(async () => {
    const res = await call<{ secret: string }>("POST", `/apps/${appId}/deploy/hook-secret`);
    expect(res.status).toBe(200);
    secret = res.body.secret;
  });

  it("refuses a bad signature with 401 and deploys nothing", async () => {
    const before = (await call<DeploymentView[]>("GET", `/apps/${appId}/deployments`)).body.length;
    const body = JSON.stringify({ ref: "refs/heads/main" });
    expect((await hook(body, `sha256=${"0".repeat(64)}`)).status).toBe(401);
    expect((await hook(body, sign(`${body} `))).status).toBe(401);
    expect((await hook(body, "")).status).toBe(401);
    expect((await call<DeploymentView[]>("GET", `/apps/${appId}/deployments`)).body.length).toBe(before);
  });

  it("deploys the configured branch on a correctly signed push", async () => {
    const body = JSON.stringify({ ref: "refs/heads/main", after: commits.v4 });
    const res = await hook(body, sign(body));
    expect(res.status).toBe(202);
    const { deployment } = (await res.json()) as { deployment: DeploymentView };
    const d = await finished(deployment.id);
    expect(d.status, d.message).toBe("succeeded");
    expect(d.commit).toBe(commits.v4);
    expect(d.actor).toBe("deploy webhook");
    expect(await served()).toBe("200 v4");
  });

  it("ignores a signed push to another branch", async () => {
    const body = JSON.stringify({ ref: "refs/heads/feature" });
    const res = await hook(body, sign(body));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ deployed: false });
  });
});

describe("uploaded archives", () => {
  const upload = async (file: string) => {
    const form = new FormData();
    form.set("archive", new Blob([readFileSync(file)]), "app.tar.gz");
    const res = await fetch(`${stack.url}/api/v1/apps/${appId}/deployments`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
    const body = (await res.json()) as DeploymentView;
    expect(res.status, JSON.stringify(body)).toBe(202);
    return finished(body.id);
  };

  it("deploys an uploaded .tar.gz", async () => {
    const d = await upload(writeTarGz(path.join(tmp, "good.tar.gz"), [{ path: "index.php", content: INDEX }, { path: "VERSION", content: "archive-1" }]));
    expect(d.status, d.message).toBe("succeeded");
    expect(d.ref).toBe("upload");
    expect(await served()).toBe("200 archive-1");
  });

  it("refuses an archive that escapes its directory and keeps the live release serving", async () => {
    const d = await upload(writeTarGz(path.join(tmp, "evil.tar.gz"), [{ path: "index.php", content: INDEX }, { path: "../../evil", content: "owned" }]));
    expect(d.status).toBe("failed");
    expect(failedStep(d)?.name).toBe("fetch");
    expect(d.message).toMatch(/^Refused: /);
    expect(await served()).toBe("200 archive-1");
  });
});

describe("stoker deploy", () => {
  // Async spawn: the control plane runs in this test's child process tree and must keep answering.
  const cli = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, ["bin/stoker.mjs", ...args], { env: { ...process.env, STOKER_URL: stack.url, STOKER_TOKEN: token } });
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (d) => (stdout += d));
      p.stderr.on("data", (d) => (stderr += d));
      p.on("exit", (code) => resolve({ code, stdout, stderr }));
    });

  it("follows a deployment step by step and exits 0 on success", async () => {
    const r = await cli(["deploy", "shop", "--ref", "v2", "--wait"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ fetch\n[\s\S]*✓ switch\n[\s\S]*Deployed [0-9a-f]{7} as release/);
    expect(await served()).toBe("200 v2");
  });

  it("exits 1 with the failed step when the deployment fails", async () => {
    const r = await cli(["deploy", "shop", "--ref", "v3", "--wait"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("✗ start");
    expect(r.stderr).toMatch(/Deployment failed: .*The live release keeps serving/);
    expect(await served()).toBe("200 v2");
  });
});

describe("history and audit", () => {
  it("lists deployments newest first with who started them", async () => {
    const list = (await call<DeploymentView[]>("GET", `/apps/${appId}/deployments`)).body;
    expect(list.length).toBe(11);
    const times = list.map((d) => Date.parse(d.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(list[list.length - 1]).toMatchObject({ ref: "v1", status: "succeeded", commitMessage: "First version" });
    expect(list[list.length - 1].actor).toContain(ADMIN.email);
    expect(list.map((d) => d.status).filter((s) => s === "running")).toEqual([]);
  });

  it("audits every deployment and rollback, start and outcome", async () => {
    const audit = (await call<{ events: { action: string; result: string }[] }>("GET", "/audit?action=deployment.&limit=100")).body;
    const actions = audit.events.map((e) => e.action);
    expect(actions.filter((a) => a === "deployment.started")).toHaveLength(10);
    expect(actions.filter((a) => a === "deployment.finished")).toHaveLength(10);
    expect(actions.filter((a) => a === "deployment.rollback.started")).toHaveLength(1);
    expect(actions.filter((a) => a === "deployment.rollback.finished")).toHaveLength(1);
  });
});

describe("an agent killed in the middle of a deployment", () => {
  it("ends the deployment failed with the reason once the agent is back, keeps the app serving, and the next deployment works", async () => {
    const agentOf = () => childrenOf(stack.startPid() ?? -1).find((k) => /agent(\.mjs|\/main\.ts)/.test(k.cmdline))?.pid;
    const agent = agentOf();
    const sock = path.join(stack.dataDir, "run", "shop.sock");
    const load = startLoad({ url: nginx.url, concurrency: 2, durationMs: 120_000, requestTimeoutMs: 10_000 });
    onTestFailed(async () => {
      const keeperLog = path.join(stack.dataDir, "agent", "keeper.log");
      const events = (await call<{ events: { ts: string; kind: string; pid: number; detail: string }[] }>("GET", `/apps/${appId}/events?limit=60`)).body.events;
      console.log(`events (newest first):\n${events.map((e) => `${e.ts} ${e.kind} ${e.pid} ${e.detail}`).join("\n")}\nkeeper.log:\n${existsSync(keeperLog) ? readFileSync(keeperLog, "utf8").slice(-4000) : "(none)"}\nnpm start's output:\n${stack.logs().slice(-6000)}`);
    });
    await new Promise((r) => setTimeout(r, 500));
    const started = await call<DeploymentView>("POST", `/apps/${appId}/deployments`, { ref: "v2" });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    await new Promise((r) => setTimeout(r, 400)); // fetching or starting the new release
    process.kill(agent ?? -1, "SIGKILL");
    const interrupted = await finished(started.body.id);
    await waitUntil(async () => {
      const a = (await call<{ processes: { state: string }[] }>("GET", `/apps/${appId}`)).body;
      return agentOf() !== agent && a.processes.length === 2 && a.processes.every((p) => p.state === "RUNNING");
    }, 60_000, "the app RUNNING under the restarted agent");
    const result = await load.stop();
    // Once the restarted agent has taken over, the app must serve again, with no failed request.
    const after = await startLoad({ url: nginx.url, concurrency: 2, durationMs: 3_000, requestTimeoutMs: 10_000 }).done;
    const again = await deploy("v2");
    const holders = holdersOf(sock);
    // php-cgi at its default PHP_FCGI_MAX_REQUESTS=500 recycles itself under this load within seconds:
    // while the agent is away the log keeper replaces each one (agent/keeper/standby.ts).
    console.log(`[agent SIGKILL mid-deployment] deployment ${interrupted.status}: ${interrupted.message}; requests ${result.requests}, failed ${result.failed} (${JSON.stringify(result.statuses)}); after take-over ${after.requests}, failed ${after.failed}; next deployment ${again.status}; processes on the socket ${holders.length} (stopped ${holders.filter((h) => h.state === "T").length})`);
    expect(interrupted.status).toBe("failed");
    expect(interrupted.message).toMatch(/agent restarted/);
    expect(result.failed, JSON.stringify(result.statuses)).toBe(0);
    expect(after.failed, JSON.stringify(after.statuses)).toBe(0);
    expect(again.status, again.message).toBe("succeeded");
    expect(holders.filter((h) => h.state === "T")).toEqual([]);
  }, 240_000);
});
