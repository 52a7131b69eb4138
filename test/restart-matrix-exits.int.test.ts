// The restart matrix, part two (issue 15): planned exits under load (php-cgi's PHP_FCGI_MAX_REQUESTS,
// 500 by default) replace a process at once with no failed request and no backoff; a prefork
// master killed with SIGKILL is seen at once, its orphaned workers stopped, and a new one serves.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAlive } from "@/agent/supervisor/proc-stats";
import type { ProcessTransition } from "@/lib/protocol";
import { type LoadResult, runLoad, startLoad } from "./support/load";
import type { NginxFront } from "./support/nginx-front";
import { MATRIX_KINDS, type MatrixKind, matrixDir, PHP_BOUND, serveKind, straysAfter } from "./support/restart-matrix";
import { childPids } from "./support/procs";
import { waitUntil } from "./support/stack";

// Made in beforeAll: a file whose tests a filter skips runs no afterAll, and would leak it.
let dir: ReturnType<typeof matrixDir>;
beforeAll(() => {
  dir = matrixDir("stoker-exits-");
});
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  dir.remove();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kind = (name: string): MatrixKind => MATRIX_KINDS.find((k) => k.name === name)!;
const serve = (k: MatrixKind, name: string) => serveKind({ ...k, name }, dir.path, cleanups);


/**
 * Checks a load that ran while app processes were SIGKILLed: each may take the request it was
 * serving (a 502 that nginx logs "while reading response header from upstream"), at most `inFlight`
 * in all. Nothing queued is reset beyond that, no connect() is refused, no client error, no status
 * but 200, those 502s and `also` (503: the agent answering for an app in backoff), and some 200s.
 */
function expectOnlyInFlightLost(result: LoadResult, nginx: NginxFront, inFlight: number, also: string[] = []): void {
  const errors = nginx.errorLines();
  expect(result.errors, `nginx: ${errors.join(" | ")}`).toEqual([]);
  expect(result.statuses[502] ?? 0, errors.join(" | ")).toBeLessThanOrEqual(inFlight);
  expect(errors.filter((l) => !/while reading response header from upstream/.test(l) || /connect\(\) failed/.test(l))).toEqual([]);
  expect(errors.length).toBeLessThanOrEqual(inFlight);
  expect(Object.keys(result.statuses).filter((s) => !["200", "502", ...also].includes(s)), JSON.stringify(result.statuses)).toEqual([]);
  expect(result.statuses[200]).toBeGreaterThan(0);
}

describe("planned exits", () => {
  it.each(["php", "php-children"])("%s at its defaults recycles under load with no failed request and no backoff", async (name) => {
    const { supervisor, app, nginx } = await serve(kind(name), `${name}-recycle`);
    const transitions: ProcessTransition[] = [];
    supervisor.listen({ status: () => {}, transition: (t) => transitions.push(t) });
    // 3,200 requests over 2 processes that each exit after 500 (php-cgi's default): several exits.
    const result = await runLoad({ url: `${nginx.url}/r`, concurrency: 8, durationMs: 60_000, maxRequests: 3200 });
    expect(result.failed, `${result.errors.join(", ")} ${JSON.stringify(result.statuses)}`).toBe(0);
    expect(transitions.filter((t) => t.to === "BACKOFF" || t.to === "FATAL")).toEqual([]);
    for (const [i, t] of transitions.entries()) {
      // RUNNING to RUNNING is a replacement in place; any other exit must be followed by a start at once.
      if (t.from !== "RUNNING" || t.to === "STOPPING" || t.to === "RUNNING") continue;
      const next = transitions.slice(i + 1).find((u) => u.slot === t.slot && u.to === "STARTING");
      expect(next, JSON.stringify(t)).toBeDefined();
      expect(Date.parse(next!.at) - Date.parse(t.at), JSON.stringify([t, next])).toBeLessThan(300);
    }
    if (name === "php") expect(transitions.filter((t) => t.from === "RUNNING" && t.to !== "STOPPING").length).toBeGreaterThanOrEqual(4);
    expect(supervisor.apps.get(app.appId)!.processes().every((p) => p.state === "RUNNING" || p.state === "STARTING")).toBe(true);
  });
});

describe("planned exits of an app that binds its own socket", () => {
  it("php-cgi -b at its defaults (500 requests a process) recycles under 16 clients with no failed request and no backoff", async () => {
    // php-cgi owns its listener: when it exits after 500 requests, what is queued on it was reset and
    // every connect() refused until the next one bound the path (before: ~56% of requests 502).
    const { supervisor, app, nginx } = await serveKind(PHP_BOUND, dir.path, cleanups);
    const transitions: ProcessTransition[] = [];
    supervisor.listen({ status: () => {}, transition: (t) => transitions.push(t) });
    // 2,600 requests through 1 process that exits after each 500: 5 recycles.
    const result = await runLoad({ url: `${nginx.url}/b`, concurrency: 16, durationMs: 60_000, maxRequests: 2600 });
    const errors = nginx.errorLines().slice(0, 3).join(" | ");
    expect(result.failed, `${result.errors.slice(0, 5).join(", ")} ${JSON.stringify(result.statuses)} nginx: ${errors}`).toBe(0);
    expect(transitions.filter((t) => t.to === "BACKOFF" || t.to === "FATAL")).toEqual([]);
    expect(transitions.filter((t) => t.kind === "recycle").length).toBeGreaterThanOrEqual(4);
    expect(supervisor.apps.get(app.appId)!.processes().every((p) => p.state === "RUNNING")).toBe(true);
  });

  it("php-cgi -b killed under load: nothing queued is reset or refused, backoff applies, a new process serves", async () => {
    const { supervisor, app, nginx } = await serveKind({ ...PHP_BOUND, name: "php-bound-kill" }, dir.path, cleanups);
    const transitions: ProcessTransition[] = [];
    supervisor.listen({ status: () => {}, transition: (t) => transitions.push(t) });
    const runner = supervisor.apps.get(app.appId)!;
    const load = startLoad({ url: `${nginx.url}/c`, concurrency: 16, durationMs: 30_000 });
    await sleep(300);
    // At its defaults php-cgi recycles every 500 requests (every ~200 ms under this load): a kill that
    // lands on a process already exiting cleanly is a recycle, not a crash, so kill the next one.
    let victim = 0;
    let exit: ProcessTransition | undefined;
    for (let attempt = 0; attempt < 5 && !exit; attempt++) {
      victim = runner.processes()[0].pid;
      try {
        process.kill(victim, "SIGKILL");
      } catch {
        // gone already: recycled
      }
      const crashed = () => transitions.find((t) => t.pid === victim && (t.to === "EXITED" || t.to === "BACKOFF"));
      const recycled = () => transitions.some((t) => t.kind === "recycle" && t.detail.includes(`process ${victim} exited cleanly`));
      await waitUntil(async () => crashed() ?? recycled(), 10_000, `the exit of process ${victim}`);
      exit = crashed();
    }
    expect(exit, JSON.stringify(transitions)).toBeDefined();
    await waitUntil(async () => runner.processes().every((p) => p.state === "RUNNING" && p.pid !== victim), 10_000, "a new process serves");
    await sleep(300);
    const result = await load.stop();
    // A crash still backs off; meanwhile the agent answers 503 on the socket it holds.
    const next = exit && transitions.find((t) => t.slot === exit.slot && t.to === "STARTING" && Date.parse(t.at) >= Date.parse(exit.at));
    expect(next, JSON.stringify(transitions)).toBeDefined();
    expect(Date.parse(next!.at) - Date.parse(exit!.at)).toBeGreaterThanOrEqual(400); // backoffMs 500: not replaced at once
    // php-cgi serves one request at a time: the one it had accepted may die with it (1 in 6 runs on
    // an idle machine killed one mid-request).
    expectOnlyInFlightLost(result, nginx, 1, ["503"]);
    // The new process serves through nginx (the load's count depends on how loaded the host is).
    const after = await runLoad({ url: `${nginx.url}/after`, concurrency: 4, durationMs: 10_000, maxRequests: 20 });
    expect(after.statuses, JSON.stringify(after.errors)).toEqual({ 200: 20 });
  });
});

// The workers a prefork master of each kind runs, each serving one request at a time.
const WORKERS: Record<string, number> = { "php-children": 2, "perl-prefork": 3 }; // PHP_FCGI_CHILDREN=2; prefork.fcgi forks 3

describe("a killed prefork master", () => {
  it.each(["php-children", "perl-prefork"])("%s: SIGKILL of the master is seen at once, its workers stopped, a new master serves", async (name) => {
    const { supervisor, app, nginx, sock } = await serve(kind(name), `${name}-kill`);
    const runner = supervisor.apps.get(app.appId)!;
    await waitUntil(async () => runner.processes().every((p) => childPids(p.pid).length > 0), 10_000, "workers forked");
    const load = startLoad({ url: `${nginx.url}/k`, concurrency: 4, durationMs: 30_000 });
    const master = runner.processes()[0]!.pid;
    const workers = childPids(master);
    process.kill(master, "SIGKILL");
    const after = await waitUntil(
      async () => {
        const ps = runner.processes();
        return ps.length === 2 && ps.every((p) => p.state === "RUNNING" && p.pid !== master) ? ps : null;
      },
      10_000,
      "a new master",
    );
    for (const w of workers) await waitUntil(async () => !isAlive(w), 5000, `orphan ${w} to be stopped`);
    // Also a worker the master forked after the list above was taken (php-cgi replaces its recycled children).
    expect(await straysAfter(sock, () => after.map((p) => p.pid), 5000)).toEqual([]);
    // The killed master's workers are stopped with its tree, each with the one request it serves.
    // The socket is the agent's and the other master serves it.
    expectOnlyInFlightLost(await load.stop(), nginx, WORKERS[name]);
    const check = await runLoad({ url: `${nginx.url}/c`, concurrency: 4, durationMs: 5000, maxRequests: 40 });
    expect(check.failed).toBe(0);
  });
});
