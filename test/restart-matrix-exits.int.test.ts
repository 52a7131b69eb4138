// The restart matrix, part two (issue 15): planned exits under load (php-cgi's PHP_FCGI_MAX_REQUESTS,
// 500 by default) replace a process at once with no failed request and no backoff; a prefork
// master killed with SIGKILL is seen at once, its orphaned workers stopped, and a new one serves.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAlive } from "@/agent/supervisor/proc-stats";
import type { ProcessTransition } from "@/lib/protocol";
import { runLoad, startLoad } from "./support/load";
import { MATRIX_KINDS, type MatrixKind, matrixDir, noStrayProcesses, serveKind } from "./support/restart-matrix";
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
const kind = (name: string): MatrixKind => MATRIX_KINDS.find((k) => k.name === name)!;
const serve = (k: MatrixKind, name: string) => serveKind({ ...k, name }, dir.path, cleanups);


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
    let strays: string[] = [];
    await waitUntil(
      async () => {
        strays = await noStrayProcesses(sock, after.map((p) => p.pid));
        return strays.length === 0;
      },
      5000,
      "no stray holding the socket",
    ).catch(() => undefined);
    expect(strays).toEqual([]);
    await load.stop(); // a killed master's requests in flight may fail: that is the crash, not the recovery
    const check = await runLoad({ url: `${nginx.url}/c`, concurrency: 4, durationMs: 5000, maxRequests: 40 });
    expect(check.failed).toBe(0);
  });
});
