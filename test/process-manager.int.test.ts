// The process manager (issue #20) with real php-cgi (its defaults) behind a real nginx: a dynamic
// count grows under load and shrinks when idle, an on-demand app starts its first process for the
// first connection, a worker past recycle.maxRssMb is replaced, a stuck request is cut at
// requestTimeoutS and reported, and a worker past limits.memoryMb is killed by the kernel; every
// one with 0 failed requests where the issue says so, and each change in the app's events.
import { request } from "node:http";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { AppSpecSchema, type AppSpecInput, type ProcessTransition } from "@/lib/protocol";
import { appSpecFor, RUN_AS } from "./support/fixture-apps";
import { runLoad, startLoad } from "./support/load";
import { startNginxFront } from "./support/nginx-front";
import { scratchPerTest } from "./support/scratch";
import { waitUntil } from "./support/stack";

const FIXTURES = path.resolve("test/fixtures");
const { dir, cleanups } = scratchPerTest("stoker-pm-");
let n = 0;

type Running = { sup: Supervisor; url: string; appId: string; events: ProcessTransition[]; count(): number; pids(): number[] };

async function run(extra: Partial<AppSpecInput>, script = "slow.php"): Promise<Running> {
  const appId = `pm-${++n}`;
  const sock = path.join(dir, `${appId}.sock`);
  const spec = AppSpecSchema.parse({
    ...appSpecFor("php", sock, { fastcgiParams: { SCRIPT_FILENAME: path.join(FIXTURES, script) } }),
    ...RUN_AS,
    name: appId,
    ...extra,
  });
  const sup = new Supervisor({ stateDir: path.join(dir, `state-${n}`), socketDirs: [dir], metrics: false });
  const events: ProcessTransition[] = [];
  sup.listen({ status: () => {}, transition: (t) => events.push(t) });
  const front = await startNginxFront({ socket: `unix:${sock}`, params: { SCRIPT_FILENAME: path.join(FIXTURES, script) } });
  cleanups.push(async () => {
    await front.stop();
    await sup.execute({ op: "app.remove", appId });
  });
  const put = await sup.put({ appId, revision: 1, desired: "running", spec, rootApproved: true });
  expect(put.ok, JSON.stringify(put)).toBe(true);
  const runner = () => sup.apps.get(appId)!;
  return {
    sup,
    url: front.url,
    appId,
    events,
    count: () => runner().processes().filter((p) => p.pid > 0).length,
    pids: () => runner().processes().map((p) => p.pid).filter(Boolean),
  };
}

function get(url: string, timeoutMs = 30_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, headers: { connection: "close" } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ status: 0, body: e.message }));
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kinds = (r: Running, kind: string) => r.events.filter((e) => e.kind === kind);

describe("a dynamic process count", () => {
  it("grows to at least 4 processes under 12 concurrent clients with 0 failed requests, then shrinks to min after idleS", async () => {
    const app = await run({ processes: { min: 1, max: 6, idleS: 3 } });
    expect(app.count()).toBe(1);
    let most = 0;
    const load = startLoad({ url: `${app.url}/?ms=200`, concurrency: 12, durationMs: 12_000, requestTimeoutMs: 30_000 });
    const watch = setInterval(() => {
      most = Math.max(most, app.count());
    }, 100);
    const result = await load.done;
    clearInterval(watch);
    console.log(`[pm dynamic] requests ${result.requests}, failed ${result.failed}, most processes ${most}; scale events ${kinds(app, "scale").length}`);
    expect(result.failed, result.errors.join("; ")).toBe(0);
    expect(result.requests).toBeGreaterThan(100);
    expect(most).toBeGreaterThanOrEqual(4);
    expect(kinds(app, "scale").some((e) => /started process/.test(e.detail))).toBe(true);
    // idleS 3: each extra process stops after 3 s idle; slack for a loaded 2-core machine.
    await waitUntil(async () => app.count() === 1 || null, 30_000, "the count back at min 1");
    expect(kinds(app, "scale").some((e) => /stopped process .* idle for/.test(e.detail))).toBe(true);
    // Stopping them failed nothing: a request now is answered by the one left.
    expect((await get(`${app.url}/?ms=0`)).status).toBe(200);
  }, 90_000);

  it("starts no process for min 0, and answers the first request with 0 failed by starting one", async () => {
    const app = await run({ processes: { min: 0, max: 2, idleS: 2 } });
    await sleep(500);
    expect(app.count()).toBe(0);
    const r = await runLoad({ url: `${app.url}/?ms=50`, concurrency: 3, durationMs: 10_000, maxRequests: 6, requestTimeoutMs: 20_000 });
    expect(r.failed, r.errors.join("; ")).toBe(0);
    expect(r.statuses[200]).toBe(6);
    expect(kinds(app, "scale").some((e) => /on demand/.test(e.detail))).toBe(true);
    // And back to none at rest.
    await waitUntil(async () => app.count() === 0 || null, 30_000, "no process at rest");
    // And stays at none: nothing the agent itself did (a wake-up connect) starts one again.
    const onDemand = kinds(app, "scale").filter((e) => /on demand/.test(e.detail)).length;
    await sleep(2500);
    expect(app.count()).toBe(0);
    expect(kinds(app, "scale").filter((e) => /on demand/.test(e.detail)).length).toBe(onDemand);
    expect((await get(`${app.url}/?ms=0`)).status).toBe(200);
  }, 60_000);
});

describe("recycling and stuck requests", () => {
  it("replaces a worker whose memory passes recycle.maxRssMb, failing no request (its own included)", async () => {
    const app = await run({ processes: 2, recycle: { maxRssMb: 48 } }, "memory.php");
    const before = app.pids();
    const load = startLoad({ url: `${app.url}/?ms=20`, concurrency: 3, durationMs: 8_000, requestTimeoutMs: 30_000 });
    const big = await get(`${app.url}/?mb=80&ms=2000`);
    const result = await load.done;
    expect(big.status).toBe(200);
    expect(big.body).toContain(`held ${80 * 1048576}`);
    expect(result.failed, result.errors.join("; ")).toBe(0);
    const recycled = kinds(app, "recycle").filter((e) => /maxRssMb 48/.test(e.detail));
    expect(recycled.length).toBeGreaterThanOrEqual(1);
    const bigPid = Number(/pid=(\d+)/.exec(big.body)?.[1]);
    expect(before).toContain(bigPid);
    await waitUntil(async () => (!app.pids().includes(bigPid) && app.count() === 2) || null, 15_000, "the big worker replaced");
  }, 60_000);

  it("replaces a process after recycle.maxRequests requests counted by the agent, failing none", async () => {
    const app = await run({ processes: 2, recycle: { maxRequests: 10 } }, "memory.php");
    const first = app.pids();
    const r = await runLoad({ url: `${app.url}/?ms=150`, concurrency: 2, durationMs: 20_000, maxRequests: 60, requestTimeoutMs: 30_000, numbered: true });
    expect(r.failed, r.errors.join("; ")).toBe(0);
    const recycled = kinds(app, "recycle").filter((e) => /served \d+ requests \(recycle\.maxRequests 10\)/.test(e.detail));
    expect(recycled.length).toBeGreaterThanOrEqual(1);
    // The agent's count is a lower bound: a replaced process served at least its 10.
    const byPid = new Map<number, number>();
    for (const a of r.answered ?? []) {
      const pid = Number(/pid=(\d+)/.exec(a.body)?.[1]);
      byPid.set(pid, (byPid.get(pid) ?? 0) + 1);
    }
    const old = Number(/^process (\d+) replaced/.exec(recycled[0].detail)?.[1]);
    expect(first).toContain(old);
    expect(byPid.get(old) ?? 0).toBeGreaterThanOrEqual(10);
    expect(byPid.size).toBeGreaterThan(2); // replacements answered too
  }, 60_000);

  it("replaces a process older than recycle.maxAgeS, failing none", async () => {
    const app = await run({ processes: 1, recycle: { maxAgeS: 10 } }, "memory.php");
    const [first] = app.pids();
    const r = await runLoad({ url: `${app.url}/?ms=100`, concurrency: 2, durationMs: 16_000, requestTimeoutMs: 30_000, numbered: true });
    expect(r.failed, r.errors.join("; ")).toBe(0);
    const aged = kinds(app, "recycle").find((e) => /running for \d+ s \(recycle\.maxAgeS 10\)/.test(e.detail));
    expect(aged?.detail).toMatch(new RegExp(`^process ${first} replaced by \\d+`));
    const pids = new Set((r.answered ?? []).map((a) => Number(/pid=(\d+)/.exec(a.body)?.[1])));
    expect(pids.has(first)).toBe(true);
    expect(pids.size).toBeGreaterThanOrEqual(2); // and its successor served the rest
    expect(app.pids()).not.toContain(first);
  }, 60_000);

  it("cuts a request stuck past requestTimeoutS, keeps its last output in a slow event, and fails nothing else", async () => {
    const app = await run({ processes: 2, requestTimeoutS: 2 }, "spin.php");
    const stuckPidsBefore = app.pids();
    const others = startLoad({ url: `${app.url}/`, concurrency: 2, durationMs: 6_000, requestTimeoutMs: 20_000 });
    const stuck = get(`${app.url}/?spin=1`, 30_000);
    await sleep(300);
    const started = Date.now();
    const slow = await waitUntil(async () => kinds(app, "slow")[0] ?? null, 20_000, "a slow-request event");
    const cutAfter = Date.now() - started + 300;
    expect(slow.detail).toMatch(/past requestTimeoutS 2/);
    expect(slow.detail).toContain("spin.php: entering the loop that never ends");
    expect(slow.detail).toMatch(/stack: not available/);
    expect(stuckPidsBefore).toContain(slow.pid);
    expect(cutAfter).toBeLessThan(10_000);
    const answer = await stuck;
    expect(answer.status).not.toBe(200); // the stuck request itself is the one that is cut
    const rest = await others.done;
    expect(rest.failed, rest.errors.join("; ")).toBe(0);
    expect(rest.requests).toBeGreaterThan(10);
    await waitUntil(async () => (!app.pids().includes(slow.pid) && app.count() === 2) || null, 15_000, "the stuck worker replaced");
  }, 60_000);
});

describe("resource limits", () => {
  it("puts limits.memoryMb on the app's cgroup: a worker past it is killed by the kernel and the event says so", async () => {
    const app = await run({ processes: 1, limits: { memoryMb: 64 } }, "memory.php");
    const status = app.sup.status().find((s) => s.appId === app.appId);
    if (status?.pm?.limits?.unavailable.length) {
      throw new Error(`cgroups are not writable here: ${status.pm.limits.unavailable.join("; ")}`);
    }
    expect(status?.pm?.limits?.memoryMb).toBe(64);
    const small = await get(`${app.url}/?mb=8`);
    expect(small.status).toBe(200);
    const big = await get(`${app.url}/?mb=100`);
    expect(big.status).not.toBe(200);
    const limit = await waitUntil(async () => kinds(app, "limit").find((e) => /OOM/.test(e.detail)) ?? null, 15_000, "an OOM limit event");
    expect(limit.detail).toMatch(/killed by the kernel \(OOM killer\).*limits\.memoryMb 64 MB/);
    // The restart policy brings a process back, and it serves.
    await waitUntil(async () => ((await get(`${app.url}/?mb=1`)).status === 200 ? true : null), 20_000, "served again");
  }, 60_000);

  it("says so when a queue worker (workers[]) is killed by the kernel past limits.memoryMb", async () => {
    // A worker that allocates 8 MB every 20 ms until the kernel stops it.
    const hog = ["python3", "-c", "[(bytearray(8 << 20), __import__('time').sleep(0.02)) for _ in iter(int, 1)]"];
    const app = await run({ processes: 1, limits: { memoryMb: 64 }, workers: [{ name: "hog", command: hog, count: 1 }] });
    const limit = await waitUntil(async () => kinds(app, "limit").find((e) => /OOM/.test(e.detail)) ?? null, 15_000, "an OOM limit event for the worker");
    expect(limit.detail).toMatch(/killed by the kernel \(OOM killer\).*limits\.memoryMb 64 MB/);
    expect(app.events.some((e) => e.worker === "hog" && e.pid === limit.pid)).toBe(true);
  }, 60_000);
});
