// A whole-app restart of an app that binds its own socket (php-cgi -b at its defaults) meeting an
// exit of its old process, in the orders a loaded host produces (issue 15). The interleavings are
// held with the agent's holdpoints (STOKER_HOLDPOINT_DIR, failpoint.ts): whatever finishes first,
// the socket on the path is the live process's, and nothing queued hangs or is refused.
import { existsSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stageDirOf } from "@/agent/supervisor/app-bound-stage";
import { isAlive } from "@/agent/supervisor/proc-stats";
import { fastcgiRequest } from "@/agent/fastcgi/client";
import { cgiParams } from "@/agent/fastcgi/http-response";
import type { ProcessTransition } from "@/lib/protocol";
import { runLoad, startLoad } from "./support/load";
import { matrixDir, noStrayProcesses, PHP_BOUND, serveKind } from "./support/restart-matrix";
import { waitUntil } from "./support/stack";

let dir: ReturnType<typeof matrixDir>;
let holds = "";
beforeAll(() => {
  dir = matrixDir("stoker-bound-races-");
  holds = mkdtempSync(path.join(tmpdir(), "stoker-holds-"));
  process.env.STOKER_HOLDPOINT_DIR = holds; // the supervisor runs in this process
});
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const name of readdirSync(holds)) rmSync(path.join(holds, name), { force: true }); // nothing left waiting
  for (const c of cleanups.splice(0).reverse()) await c();
  delete process.env.STOKER_HOLDPOINT_DIR;
  rmSync(holds, { recursive: true, force: true });
  dir.remove();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const arm = (name: string) => writeFileSync(path.join(holds, name), "");
const reached = (name: string) => waitUntil(async () => existsSync(path.join(holds, `${name}.held`)), 20_000, `the agent at ${name}`);
const release = (name: string) => unlinkSync(path.join(holds, `${name}.held`));
/** The pid of the process that answers a request sent straight to the path now; null if none does within 2 s. */
async function answering(sock: string): Promise<number | null> {
  try {
    const res = await fastcgiRequest({ path: sock }, cgiParams({ method: "GET", path: "/who", extra: PHP_BOUND.spec(sock).fastcgiParams }), undefined, 2000);
    return Number(/pid=(\d+)/.exec(res.stdout.toString("utf8"))?.[1] ?? 0) || null;
  } catch {
    return null; // refused, reset, or queued where nobody accepts
  }
}
const onPath = async (sock: string, pid: number) => (await answering(sock)) === pid;
type Proc = { pid: number; state: string; generation: number };
/**
 * The app's process once it is RUNNING and answers on the path itself. php-cgi exits after its
 * default 500 requests, which these loads can reach: a look taken while it recycles finds the
 * exiting pid still listed and its replacement already answering (1.2% of 1,001 looks under load).
 */
const settledOnPath = (runner: { processes(): Proc[] }, sock: string) =>
  waitUntil(async () => {
    const [p] = runner.processes();
    return p?.state === "RUNNING" && (await onPath(sock, p.pid)) ? p : null;
  }, 10_000, "a RUNNING process answering on the path");

describe("a restart of php-cgi -b meeting an exit of its old process", () => {
  it("keeps the path on the restart's process when the old one's replacement is proven just after it took the path", async () => {
    const { supervisor, app, nginx, sock } = await serveKind({ ...PHP_BOUND, name: "bound-late" }, dir.path, cleanups);
    const runner = supervisor.apps.get(app.appId)!;
    const [old] = runner.processes();
    arm("restart.launched");
    arm("restart.renamed");
    arm("respawn.proved");
    const restarting = supervisor.execute({ op: "app.restart", appId: app.appId });
    await reached("restart.launched");
    const fresh = runner.processes().find((p) => p.generation > old.generation)!;
    // The old process dies while the restart's starts: it is replaced (after its backoff), staged.
    process.kill(old.pid, "SIGKILL");
    await reached("respawn.proved");
    const replacement = runner.processes().find((p) => p.generation === old.generation && p.pid && p.pid !== old.pid)!;
    expect(replacement).toBeDefined();
    release("restart.launched");
    await reached("restart.renamed"); // the restart's process is on the path; its generation not yet the app's
    expect(await onPath(sock, fresh.pid)).toBe(true);
    release("respawn.proved");
    // The replacement is refused the path (and ends), or (broken) renames its socket over the new one.
    await waitUntil(async () => !isAlive(replacement.pid) || (await onPath(sock, replacement.pid)), 10_000, "the replacement to settle");
    release("restart.renamed");
    const r = await restarting;
    expect(r.ok, JSON.stringify(r)).toBe(true);
    await waitUntil(async () => !isAlive(replacement.pid) && !isAlive(old.pid), 20_000, "the old generation to end");
    const [live] = runner.processes();
    expect(live.pid).toBe(fresh.pid);
    expect(await onPath(sock, fresh.pid)).toBe(true);
    const after = await runLoad({ url: `${nginx.url}/late`, concurrency: 4, durationMs: 20_000, maxRequests: 200, requestTimeoutMs: 3000 });
    expect(after.failed, `${after.errors.join(", ")} ${JSON.stringify(after.statuses)}`).toBe(0);
    expect(await noStrayProcesses(sock, [fresh.pid])).toEqual([]);
  });

  it("lets a replacement proven before the restart's process take the path, then retires it: nothing queued on either is lost", async () => {
    const { supervisor, app, nginx, sock } = await serveKind({ ...PHP_BOUND, name: "bound-early" }, dir.path, cleanups);
    const runner = supervisor.apps.get(app.appId)!;
    const [old] = runner.processes();
    arm("restart.launched");
    const restarting = supervisor.execute({ op: "app.restart", appId: app.appId });
    await reached("restart.launched");
    const fresh = runner.processes().find((p) => p.generation > old.generation)!;
    process.kill(old.pid, "SIGKILL");
    const replacement = await waitUntil(async () => {
      const p = runner.processes().find((q) => q.generation === old.generation && q.pid && q.pid !== old.pid);
      return p && (await onPath(sock, p.pid)) ? p : null;
    }, 10_000, "the replacement on the path");
    // Clients queue on the replacement's socket while the restart takes the path from it.
    const load = startLoad({ url: `${nginx.url}/early`, concurrency: 8, durationMs: 30_000, requestTimeoutMs: 5000 });
    await sleep(200);
    release("restart.launched");
    const r = await restarting;
    expect(r.ok, JSON.stringify(r)).toBe(true);
    await sleep(300);
    const result = await load.stop();
    expect(result.failed, `${result.errors.join(", ")} ${JSON.stringify(result.statuses)}`).toBe(0);
    await waitUntil(async () => !isAlive(replacement.pid), 20_000, "the replaced generation to end");
    // The restart's generation holds the path: its first process, or the one that replaced it when
    // it recycled (php-cgi exits after its default 500 requests, which this load can reach).
    const live = await settledOnPath(runner, sock);
    expect(live.generation).toBe(fresh.generation);
    expect(await noStrayProcesses(sock, [live.pid])).toEqual([]);
  });

  it("restarted while its crashed process waits out its backoff, keeps the socket it holds: answered 503, never refused", async () => {
    const { supervisor, app, nginx, sock } = await serveKind({ ...PHP_BOUND, name: "bound-backoff" }, dir.path, cleanups);
    const transitions: ProcessTransition[] = [];
    supervisor.listen({ status: () => {}, transition: (t) => transitions.push(t) });
    const runner = supervisor.apps.get(app.appId)!;
    const [old] = runner.processes();
    process.kill(old.pid, "SIGKILL");
    // Waiting out its backoff (EXITED, then STARTING again after backoffMs): no process serves.
    await waitUntil(async () => runner.processes().every((p) => p.state === "EXITED" || p.state === "BACKOFF"), 5000, "the exit");
    const load = startLoad({ url: `${nginx.url}/backoff`, concurrency: 8, durationMs: 30_000, requestTimeoutMs: 5000 });
    await sleep(100);
    const r = await supervisor.execute({ op: "app.restart", appId: app.appId });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    await sleep(300);
    const result = await load.stop();
    // Before the restart the agent answers 503 on the socket it holds; after it, the new process.
    expect(result.errors).toEqual([]);
    expect(Object.keys(result.statuses).filter((s) => s !== "200" && s !== "503"), JSON.stringify(result.statuses)).toEqual([]);
    // The restart's generation serves on the path (its first process or, past 500 requests, the one
    // that replaced it), not the crashed slot's own respawn after its backoff.
    const live = await settledOnPath(runner, sock);
    expect(live.generation).toBeGreaterThan(old.generation);
    expect(result.statuses[200]).toBeGreaterThan(0);
  });

  it("restarted while its crashed process's replacement is proven at its stage, stops it and removes its stage with it", async () => {
    const { supervisor, app, sock } = await serveKind({ ...PHP_BOUND, name: "bound-stage" }, dir.path, cleanups);
    const runner = supervisor.apps.get(app.appId)!;
    const [old] = runner.processes();
    const stage = stageDirOf(sock, old.generation);
    arm("prove.bound");
    process.kill(old.pid, "SIGKILL"); // replaced after its backoff, staged
    await reached("prove.bound"); // the replacement listens at its stage, not yet probed
    const replacement = runner.processes().find((p) => p.generation === old.generation && p.pid && p.pid !== old.pid)!;
    expect(replacement).toBeDefined();
    expect(existsSync(stage)).toBe(true);
    const r = await supervisor.execute({ op: "app.restart", appId: app.appId });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    await waitUntil(async () => !isAlive(replacement.pid), 10_000, "the replacement to end");
    // Its proof still held: the stage goes with its process (before: left until the proof ended,
    // up to the ready timeout; so in restart-matrix's last look after a restart under load).
    await waitUntil(async () => !existsSync(stage), 3000, `${stage} to be removed`);
    release("prove.bound");
    const live = await settledOnPath(runner, sock);
    expect(live.generation).toBeGreaterThan(old.generation);
    expect(readdirSync(dir.path).filter((f) => f.startsWith(".bound-stage.sock.g"))).toEqual([]);
    expect(await noStrayProcesses(sock, [live.pid])).toEqual([]);
  });

  it("gives up a restart whose proven socket cannot be put on the path: the old process keeps serving, the new one and its stage are gone", async () => {
    const { supervisor, app, sock } = await serveKind({ ...PHP_BOUND, name: "bound-rename" }, dir.path, cleanups);
    const runner = supervisor.apps.get(app.appId)!;
    const old = await settledOnPath(runner, sock);
    const stage = stageDirOf(sock, old.generation + 1);
    arm("restart.probed");
    const restart = supervisor.execute({ op: "app.restart", appId: app.appId });
    await reached("restart.probed"); // the new process is proven at its stage, not yet on the path
    const fresh = runner.processes().find((p) => p.generation > old.generation)!;
    expect(fresh).toBeDefined();
    unlinkSync(path.join(stage, path.basename(sock))); // its socket file vanishes: the rename fails
    release("restart.probed");
    const r = await restart;
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).toMatch(/Restart failed, the old process keeps running: its socket could not be put on the path/);
    await waitUntil(async () => !isAlive(fresh.pid), 10_000, "the new process to be stopped");
    expect(existsSync(stage)).toBe(false);
    const live = await settledOnPath(runner, sock);
    expect(live.generation).toBe(old.generation);
    expect(await noStrayProcesses(sock, [live.pid])).toEqual([]);
  });
});
