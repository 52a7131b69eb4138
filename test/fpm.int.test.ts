// php-fpm as an app kind, for real: Debian's php-fpm run by the agent's Supervisor as one master on
// the agent's socket (handed over through FPM_SOCKETS), behind a real nginx, restarted and reloaded
// under load, and its pool's status page read into the app's metrics. Pool at php-fpm's defaults.
import { lstatSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isAlive } from "@/agent/supervisor/proc-stats";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { fastcgiRequest } from "@/agent/fastcgi/client";
import { cgiParams } from "@/agent/fastcgi/http-response";
import { AppSpecSchema, type DesiredApp, type ProcessTransition } from "@/lib/protocol";
import { parseAnswer, RUN_AS } from "./support/fixture-apps";
import { answeredSince, runLoad, startLoad } from "./support/load";
import { startNginxFront } from "./support/nginx-front";
import { scratchPerTest } from "./support/scratch";
import { waitUntil } from "./support/stack";

const { dir, cleanups } = scratchPerTest("stoker-fpm-");
const SCRIPT = path.resolve("examples/apps/php/index.php");
let n = 0;

async function fpmApp(extra: Record<string, unknown> = {}) {
  const sock = path.join(dir, `fpm-${++n}.sock`);
  const spec = AppSpecSchema.parse({
    name: `fpm-${n}`,
    hostId: "h",
    command: ["php-fpm8.2"],
    fpm: {},
    socket: { path: sock, group: "www-data", mode: "0660" },
    fastcgiParams: { SCRIPT_FILENAME: SCRIPT },
    ...RUN_AS,
    ...extra,
  });
  const app: DesiredApp = { appId: spec.name, revision: 1, desired: "running", spec, rootApproved: true };
  const supervisor = new Supervisor({ stateDir: path.join(dir, `state-${n}`), socketDirs: [dir], metrics: false });
  const events: ProcessTransition[] = [];
  supervisor.listen({ status: () => {}, transition: (t) => events.push(t) });
  const put = await supervisor.put(app);
  cleanups.push(async () => {
    await supervisor.execute({ op: "app.remove", appId: app.appId });
  });
  const nginx = await startNginxFront({ socket: `unix:${sock}`, params: spec.fastcgiParams });
  cleanups.push(() => nginx.stop());
  return { supervisor, app, put, nginx, sock, events };
}

const childrenOf = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

describe("php-fpm app", () => {
  it("runs one master on the agent's socket, restarts and reloads under load with no failed request", async () => {
    const { supervisor, app, put, nginx, sock } = await fpmApp();
    expect(put.ok, JSON.stringify(put)).toBe(true);
    const runner = supervisor.apps.get(app.appId)!;
    expect(runner.processes()).toHaveLength(1);
    const master = runner.processes()[0].pid;
    expect(readFileSync(`/proc/${master}/cmdline`, "utf8")).toContain("php-fpm");
    // php-fpm's defaults for pm = dynamic: 2 children at start.
    await waitUntil(async () => childrenOf(master).length >= 2, 10_000, "php-fpm's children");

    const warm = await runLoad({ url: `${nginx.url}/x`, concurrency: 4, durationMs: 5000, maxRequests: 20 });
    expect(warm.failed, warm.errors.join()).toBe(0);
    const answer = parseAnswer(warm.bodies[0] ?? "");
    expect(answer?.lang).toBe("php");
    expect(childrenOf(master)).toContain(answer?.pid); // a child of the master answered, not the agent

    // Whole-app restart: a new master on a new socket, swapped in; the old one drained.
    const restartLoad = startLoad({ url: `${nginx.url}/x`, concurrency: 12, durationMs: 60_000 });
    await new Promise((r) => setTimeout(r, 800));
    await answeredSince(restartLoad, 0, "before the restart", 25);
    const restarted = await supervisor.execute({ op: "app.restart", appId: app.appId });
    expect(restarted.ok, JSON.stringify(restarted)).toBe(true);
    const restartedAt = restartLoad.answers().total;
    await new Promise((r) => setTimeout(r, 800));
    await answeredSince(restartLoad, restartedAt, "after the restart", 25); // the new master serves the load
    const afterRestart = await restartLoad.stop();
    expect(afterRestart.failed, `${afterRestart.errors.join(", ")} ${JSON.stringify(afterRestart.statuses)}`).toBe(0);
    const master2 = runner.processes()[0].pid;
    expect(master2).not.toBe(master);
    await waitUntil(async () => !isAlive(master), 15_000, "the old master to exit");
    // The old master's exit left the app's socket where it was (php-fpm unlinks what it thinks it bound).
    expect(lstatSync(sock).isSocket()).toBe(true);

    // Reload: SIGUSR2 to the master, which re-executes itself on the same socket; new children.
    await waitUntil(async () => childrenOf(master2).length >= 2, 10_000, "the new master's children");
    const before = childrenOf(master2);
    const reloadLoad = startLoad({ url: `${nginx.url}/x`, concurrency: 12, durationMs: 60_000 });
    await new Promise((r) => setTimeout(r, 800));
    await answeredSince(reloadLoad, 0, "before the reload", 25);
    const reloaded = await supervisor.execute({ op: "app.reload", appId: app.appId });
    expect(reloaded.ok, JSON.stringify(reloaded)).toBe(true);
    await waitUntil(async () => {
      const now = childrenOf(master2);
      return now.length > 0 && now.every((c) => !before.includes(c));
    }, 15_000, "children of the reloaded master");
    const reloadedAt = reloadLoad.answers().total;
    await new Promise((r) => setTimeout(r, 800));
    await answeredSince(reloadLoad, reloadedAt, "after the reload", 25); // the new children serve the load
    const afterReload = await reloadLoad.stop();
    expect(afterReload.failed, `${afterReload.errors.join(", ")} ${JSON.stringify(afterReload.statuses)}`).toBe(0);
    expect(runner.processes()[0].pid).toBe(master2); // same master, re-executed
    expect(runner.processes()[0].state).toBe("RUNNING");
  });

  it("feeds the pool's status page into the app's metrics", async () => {
    const { supervisor, app, put, nginx } = await fpmApp();
    expect(put.ok, JSON.stringify(put)).toBe(true);
    const load = await runLoad({ url: `${nginx.url}/x`, concurrency: 4, durationMs: 10_000, maxRequests: 40 });
    expect(load.failed, load.errors.join()).toBe(0);
    const runner = supervisor.apps.get(app.appId)!;
    // php-fpm counts active and idle children in its once-a-second maintenance: at rest within a few.
    const status = await waitUntil(async () => {
      const s = await runner.fpmStatus.poll();
      return s && s.active === 0 ? s : null;
    }, 10_000, "the pool at rest on its status page");
    expect(status!.acceptedConn).toBeGreaterThanOrEqual(40);
    const sample = supervisor.metrics.now().find((s) => s.appId === app.appId)!;
    expect(sample.fpm).toEqual(status);
    // At rest: the pool's own count, not the master holding the socket counted as an idle worker.
    expect(sample.workersBusy, JSON.stringify(sample)).toBe(0);
    expect(sample.workersIdle).toBe(status!.idle);
    expect(status!.total).toBeGreaterThanOrEqual(2);
    expect(sample.fpm!.slowRequests).toBe(0);
    expect(sample.fpm!.maxChildrenReached).toBe(0);
  });

  it("shows a slow request and one cut at request_terminate_timeout as events, with the stack php-fpm traced", async () => {
    const { put, sock, events } = await fpmApp({ fpm: { request_slowlog_timeout: "1s", request_terminate_timeout: "3s" } });
    expect(put.ok, JSON.stringify(put)).toBe(true);
    const page = path.resolve("test/fixtures/slow.php");
    const ask = (ms: number) =>
      fastcgiRequest({ path: sock }, cgiParams({ method: "GET", path: "/slow.php", query: `ms=${ms}`, extra: { SCRIPT_FILENAME: page } }), undefined, 20_000).then(
        (r) => r.stdout.toString(),
        (e: unknown) => String(e),
      );
    const [slow, cut] = await Promise.all([ask(1800), ask(8000)]);
    expect(slow).toContain("slept 1800");
    expect(cut).not.toContain("slept");
    const reports = await waitUntil(async () => {
      const s = events.filter((e) => e.kind === "slow");
      return s.some((e) => /cut at request_terminate_timeout/.test(e.detail)) ? s : null;
    }, 15_000, "the cut request's event");
    const slowOne = reports.find((e) => /ms=1800.*executing too slow/.test(e.detail));
    expect(slowOne?.detail).toContain(`stack (php-fpm slowlog):\n  usleep() ${page}:4`);
    const cutOne = reports.find((e) => /cut at request_terminate_timeout/.test(e.detail))!;
    expect(cutOne.detail).toMatch(/^php-fpm child \d+ cut at request_terminate_timeout: .*slow\.php \(request "GET .*ms=8000"\) ran 3\.\d+ s/);
    expect(cutOne.detail).toContain(`usleep() ${page}:4`);
    expect(cutOne.pid).not.toBe(slowOne?.pid); // the child that ran it, not the master
  });

  it("refuses a pool directive Stoker sets elsewhere, naming where", () => {
    const r = AppSpecSchema.safeParse({ name: "x", hostId: "h", command: ["php-fpm8.2"], socket: { path: "/run/stoker/x.sock" }, fpm: { listen: "/run/php/x.sock" } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain("socket");
  });

  it("runs the master as the app's own user (not root), as the README's example does, and reloads", async () => {
    const { supervisor, app, put, nginx } = await fpmApp({ user: "www-data", group: "www-data" });
    expect(put.ok, JSON.stringify(put)).toBe(true);
    const master = supervisor.apps.get(app.appId)!.processes()[0].pid;
    expect(readFileSync(`/proc/${master}/status`, "utf8")).toMatch(/^Uid:\s+33\s/m);
    const first = await runLoad({ url: `${nginx.url}/x`, concurrency: 2, durationMs: 5000, maxRequests: 10 });
    expect(first.failed, first.errors.join()).toBe(0);
    // A reload re-executes the master, which reads its configuration through the fd again.
    const reloaded = await supervisor.execute({ op: "app.reload", appId: app.appId });
    expect(reloaded.ok, JSON.stringify(reloaded)).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    const after = await runLoad({ url: `${nginx.url}/x`, concurrency: 2, durationMs: 5000, maxRequests: 10 });
    expect(after.failed, after.errors.join()).toBe(0);
    expect(supervisor.apps.get(app.appId)!.processes()[0]).toMatchObject({ pid: master, state: "RUNNING" });
  });
});
