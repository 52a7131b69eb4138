// The real-app restart matrix (issue 15): each kind of FastCGI app people run, at its defaults, behind
// a real nginx under load: repeated whole-app restarts and a spec save that replaces the processes
// fail no request, whatever the app does with queued connections on its stop signal.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { isAlive } from "@/agent/supervisor/proc-stats";
import { appSpecFor, parseAnswer } from "./support/fixture-apps";
import { answeredSince, startLoad } from "./support/load";
import { startNginxFront } from "./support/nginx-front";
import { desiredApp, matrixDir, type MatrixKind, MATRIX_KINDS, noStrayProcesses, PHP_BOUND, serveKind, straysAfter } from "./support/restart-matrix";
import { waitUntil } from "./support/stack";

// Made in beforeAll: a file whose tests a filter skips runs no afterAll, and would leak it.
let dir: ReturnType<typeof matrixDir>;
beforeAll(() => {
  dir = matrixDir("stoker-matrix-");
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  dir.remove();
});

const desired = desiredApp;
const serve = (kind: MatrixKind) => serveKind(kind, dir.path, cleanups);

// php-bound too: php-cgi -b recycles (500 requests) while it is restarted, so a restart meets a
// replacement being staged, and an old process that exits while it drains (each order is held in
// app-bound-restart-races.int.test.ts).
describe.each([...MATRIX_KINDS, PHP_BOUND])("$name behind nginx", (kind) => {
  it("fails no request over repeated whole-app restarts and a spec save that replaces the processes", async () => {
    const { supervisor, app, nginx, spec } = await serve(kind);
    const pids = () => supervisor.apps.get(app.appId)!.processes().map((p) => p.pid);
    const seen = [pids()];
    const load = startLoad({ url: `${nginx.url}/m`, concurrency: 8, durationMs: 60_000, sampleBodies: 200 });
    await sleep(300);
    await answeredSince(load, 0, "before the first restart");
    for (let i = 0; i < 3; i++) {
      const r = await supervisor.execute({ op: "app.restart", appId: app.appId });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      const mark = load.answers().total;
      seen.push(pids());
      await sleep(150);
      await answeredSince(load, mark, `after restart ${i + 1}`);
    }
    const saved = await supervisor.put(desired({ ...spec, env: { ...spec.env, APP_VERSION: "v2" } }, 2));
    expect(saved.ok, JSON.stringify(saved)).toBe(true);
    const mark = load.answers().total;
    seen.push(pids());
    await sleep(300);
    await answeredSince(load, mark, "after the spec save");
    const result = await load.stop();
    const errors = nginx.errorLines().slice(0, 3).join(" | ");
    // An app that binds its own path too: its new process binds unseen and its socket is renamed
    // onto the path, so no connect() is refused while it replaces the file (app-bound-stage.ts).
    expect(result.failed, `${kind.name}: ${result.errors.join(", ")} ${JSON.stringify(result.statuses)} nginx: ${errors}`).toBe(0);
    // Every restart replaced every process, and the old ones are gone.
    for (let i = 1; i < seen.length; i++) for (const pid of seen[i]) expect(seen[i - 1]).not.toContain(pid);
    for (const pid of seen.slice(0, -1).flat()) await waitUntil(async () => !isAlive(pid), 10_000, `old pid ${pid} to exit`);
    const last = result.bodies.map(parseAnswer).filter((a) => a !== null).at(-1);
    expect(last?.version).toBe("v2");
    // A prefork master's children end a moment after it (each on its own exit): bounded, never left.
    expect(await straysAfter(spec.socket.path, pids, 10_000)).toEqual([]);
    expect(readdirSync(dir.path).filter((f) => f.startsWith(`.${kind.name}.sock.g`))).toEqual([]);
  });
});

describe("an app with no live process", () => {
  it("is answered 503 by the agent within 5 s, naming the app and its state; queued requests then reach the new processes", async () => {
    const sock = path.join(dir.path, "down.sock");
    const base = { ...appSpecFor("flup", sock), name: "down-app", processes: 2, restart: { maxRestarts: 1, backoffMs: 100 } };
    const supervisor = new Supervisor({ stateDir: path.join(dir.path, "state-down"), socketDirs: [dir.path] });
    const broken = desired({ ...base, env: { CRASH_ON_START: "1" } });
    await supervisor.put(broken);
    const nginx = await startNginxFront({ socket: `unix:${sock}` });
    cleanups.push(async () => {
      await supervisor.execute({ op: "app.remove", appId: "down-app" });
      await nginx.stop();
    });
    await waitUntil(async () => supervisor.apps.get("down-app")!.processes().every((p) => p.state === "FATAL"), 20_000, "FATAL");
    const t0 = Date.now();
    const res = await fetch(`${nginx.url}/x`);
    const body = await res.text();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(res.status).toBe(503);
    expect(body).toContain("down-app");
    expect(body).toContain("FATAL");
    expect(body).not.toContain("CRASH_ON_START"); // the app's output is for logged-in users only

    // Fixed by a spec save under load: nothing waits for a timeout, and every answer after the save is the app's.
    const load = startLoad({ url: `${nginx.url}/y`, concurrency: 8, durationMs: 30_000, requestTimeoutMs: 5000 });
    await sleep(300);
    const fixed = await supervisor.put(desired(base, 2));
    expect(fixed.ok, JSON.stringify(fixed)).toBe(true);
    const after = await fetch(`${nginx.url}/z`);
    expect(after.status).toBe(200);
    // The load reaches the new processes: a count of answers, not of what a fixed time allowed.
    await waitUntil(() => (load.answers().statuses[200] ?? 0) > 10, 30_000, "11 answers of the fixed app", 20);
    const result = await load.stop();
    expect(result.errors, JSON.stringify(result)).toEqual([]);
    expect(Object.keys(result.statuses).sort()).toEqual(["200", "503"]);
    expect(result.statuses[200]).toBeGreaterThan(10);
  });
});



describe("an app that binds its own socket slowly (a loaded host)", () => {
  it("is never refused a connect while its new process replaces the file, and the new process sees the real directory", async () => {
    // 150 ms between unlink and bind and between bind and listen: without staging, every connect
    // in those 300 ms is refused (ENOENT, then ECONNREFUSED), so this fails a broken implementation.
    const kind = MATRIX_KINDS.find((k) => k.appBound)!;
    const slow: MatrixKind = { ...kind, name: "slow-bound", spec: (sock) => ({ ...kind.spec(sock), env: { ...kind.spec(sock).env, BIND_PAUSE_MS: "150" } }) };
    const { supervisor, app, nginx, spec } = await serve(slow);
    const load = startLoad({ url: `${nginx.url}/s`, concurrency: 8, durationMs: 60_000 });
    await sleep(300);
    await answeredSince(load, 0, "before the first restart");
    for (let i = 0; i < 3; i++) {
      const r = await supervisor.execute({ op: "app.restart", appId: app.appId });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      const mark = load.answers().total;
      await sleep(150);
      await answeredSince(load, mark, `after restart ${i + 1}`);
    }
    const result = await load.stop();
    const errors = nginx.errorLines().slice(0, 3).join(" | ");
    expect(result.failed, `${result.errors.join(", ")} ${JSON.stringify(result.statuses)} nginx: ${errors}`).toBe(0);
    const [pid] = supervisor.apps.get(app.appId)!.processes().map((p) => p.pid);
    // Its staging directory is unmounted again in its namespace, and gone.
    expect(readFileSync(`/proc/${pid}/mountinfo`, "utf8")).not.toContain(".slow-bound.sock.g");
    expect(readdirSync(dir.path).filter((f) => f.startsWith(".slow-bound.sock.g"))).toEqual([]);
    // The replaced processes are stopped once drained.
    await waitUntil(async () => (await noStrayProcesses(spec.socket.path, [pid])).length === 0, 10_000, "only the live process on the socket");
  });
});
