// What an exit means (DESIGN decision 9), with real apps at their defaults: php-cgi's planned
// recycling after PHP_FCGI_MAX_REQUESTS is no crash, and a prefork master's death (php-cgi with
// PHP_FCGI_CHILDREN, a Perl FCGI parent with 3 workers) is seen at once, its orphans are stopped
// and a new generation serves.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fastcgiRequest } from "@/agent/fastcgi/client";
import { cgiParams, parseCgiResponse } from "@/agent/fastcgi/http-response";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { AppSpecSchema, type DesiredApp, type ProcessTransition } from "@/lib/protocol";
import { isAlive } from "@/agent/supervisor/proc-stats";
import { APPS_DIR, RUN_AS } from "./support/fixture-apps";
import { childPids } from "./support/procs";
import { waitUntil } from "./support/stack";
import { scratchPerTest } from "./support/scratch";

const { dir, cleanups } = scratchPerTest("stoker-exits-");
let n = 0;

async function runApp(specInput: Record<string, unknown>) {
  const supervisor = new Supervisor({ stateDir: path.join(dir, `state-${++n}`), socketDirs: [dir] });
  const transitions: ProcessTransition[] = [];
  supervisor.listen({ status: () => {}, transition: (t) => transitions.push(t) });
  const spec = AppSpecSchema.parse({ ...RUN_AS, ...specInput });
  const app: DesiredApp = { appId: spec.name, revision: 1, desired: "running", spec, rootApproved: true };
  const put = await supervisor.put(app);
  cleanups.push(async () => {
    await supervisor.execute({ op: "app.remove", appId: app.appId });
  });
  expect(put.ok, JSON.stringify(put)).toBe(true);
  return { supervisor, transitions, runner: supervisor.apps.get(app.appId)! };
}

const PHP_SCRIPT = path.join(APPS_DIR, "php/index.php");

async function get(sock: string, params: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const res = await fastcgiRequest({ path: sock }, cgiParams({ method: "GET", path: "/", extra: params }), undefined, 10_000);
  const parsed = parseCgiResponse(res.stdout);
  return { status: parsed.status, body: parsed.body.toString() };
}

describe("planned exits", () => {
  it("php-cgi recycling after PHP_FCGI_MAX_REQUESTS=10: 300 sequential requests all answer 200, no backoff, no FATAL", async () => {
    const sock = path.join(dir, `recycle-${++n}.sock`);
    const { transitions, runner } = await runApp({
      name: "recycler",
      hostId: "h",
      command: ["/usr/bin/php-cgi"],
      env: { PHP_FCGI_CHILDREN: "0", PHP_FCGI_MAX_REQUESTS: "10" },
      processes: 2,
      fastcgiParams: { SCRIPT_FILENAME: PHP_SCRIPT },
      socket: { path: sock },
    });
    const statuses = new Map<number, number>();
    const pids = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const r = await get(sock, { SCRIPT_FILENAME: PHP_SCRIPT });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      const pid = /pid=(\d+)/.exec(r.body)?.[1];
      if (pid) pids.add(Number(pid));
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: 300 });
    // 300 requests (plus readiness probes) at 10 per process: at least ~25 processes served.
    expect(pids.size).toBeGreaterThanOrEqual(25);
    const bad = transitions.filter((t) => t.to === "BACKOFF" || t.to === "FATAL" || t.to === "EXITED");
    expect(bad, JSON.stringify(bad.slice(0, 3))).toEqual([]);
    const recycles = transitions.filter((t) => t.kind === "recycle");
    expect(recycles.length).toBeGreaterThanOrEqual(25);
    expect(recycles.every((t) => t.from === "RUNNING" && t.to === "RUNNING" && t.pid > 0)).toBe(true);
    const procs = runner.processes();
    expect(procs.map((p) => p.state)).toEqual(["RUNNING", "RUNNING"]);
    expect(procs.every((p) => p.restarts === 0)).toBe(true);
  });
});


const PREFORK_APPS = {
  "php-cgi with PHP_FCGI_CHILDREN=3": (sock: string) => ({
    command: ["/usr/bin/php-cgi"],
    env: { PHP_FCGI_CHILDREN: "3" },
    fastcgiParams: { SCRIPT_FILENAME: PHP_SCRIPT },
    socket: { path: sock },
  }),
  "a Perl FCGI parent with 3 workers": (sock: string) => ({
    command: [path.join(APPS_DIR, "perl/prefork.fcgi")],
    socket: { path: sock },
  }),
};

describe.each(Object.entries(PREFORK_APPS))("%s", (label, specOf) => {
  it("kill -9 of the parent: the exit is seen at once, the orphaned workers are stopped, a new generation serves", async () => {
    const sock = path.join(dir, `prefork-${++n}.sock`);
    const name = `prefork-${n}`;
    const { transitions, runner } = await runApp({ name, hostId: "h", processes: 1, ...specOf(sock) });
    const params = { SCRIPT_FILENAME: PHP_SCRIPT };
    const master = runner.processes()[0]!.pid;
    const workers = await waitUntil(async () => (childPids(master).length === 3 ? childPids(master) : null), 10_000, "3 workers");
    // The tree is the master and its workers, and the agent counts them all.
    expect(runner.cgroup.pids().sort()).toEqual([master, ...workers].sort());
    const before = await get(sock, params);
    expect(before.status).toBe(200);
    expect(workers).toContain(Number(/pid=(\d+)/.exec(before.body)?.[1]));

    const killedAt = Date.now();
    process.kill(master, "SIGKILL");
    const exit = await waitUntil(async () => transitions.find((t) => t.pid === master && (t.to === "EXITED" || t.to === "BACKOFF")), 5000, `the exit of ${master}`);
    // At once: not when the orphans let go of the pipes (they never would while serving).
    expect(Date.parse(exit.at) - killedAt, label).toBeLessThan(1000);
    for (const w of workers) await waitUntil(async () => !isAlive(w), 15_000, `orphaned worker ${w} to be stopped`);

    const fresh = await waitUntil(async () => {
      const p = runner.processes()[0];
      return p && p.state === "RUNNING" && p.pid !== master ? p : null;
    }, 15_000, "a new generation RUNNING");
    const newWorkers = await waitUntil(async () => (childPids(fresh.pid).length === 3 ? childPids(fresh.pid) : null), 10_000, "3 new workers");
    for (let i = 0; i < 10; i++) {
      const r = await get(sock, params);
      expect(r.status).toBe(200);
      expect(newWorkers).toContain(Number(/pid=(\d+)/.exec(r.body)?.[1]));
    }
    expect(runner.cgroup.pids().sort()).toEqual([fresh.pid, ...newWorkers].sort());
  });
});
