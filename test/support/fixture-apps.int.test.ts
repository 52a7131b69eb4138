// Proves the fixture apps are real FastCGI servers: each one, started by spawn-fcgi on an fd-0
// Unix socket, answers through a real nginx; and CRASH_ON_START=1 makes each exit non-zero at once.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketInodes } from "@/agent/supervisor/socket-use";
import { FIXTURE_APPS, FIXTURE_LANG, parseAnswer, specFor } from "./fixture-apps";
import { runLoad } from "./load";
import { type NginxFront, startNginxFront } from "./nginx-front";
import { spawnFcgi, startFcgi } from "./spawn-fcgi";
import { waitUntil } from "./wait";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "stoker-fixtures-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.each(FIXTURE_APPS)("the %s fixture app", (name) => {
  it("serves every request through nginx from the process that spawn-fcgi started on fd 0", async () => {
    const socketPath = path.join(dir, `${name}.sock`);
    const spec = specFor(name, { version: "v-test-1" });
    const app = await startFcgi(socketPath, spec.command, spec.env);
    let front: NginxFront | undefined;
    try {
      front = await startNginxFront({ socket: `unix:${socketPath}`, params: spec.fastcgiParams });
      const result = await runLoad({ url: `${front.url}/some/path?x=1`, concurrency: 2, durationMs: 15_000, maxRequests: 6 });

      expect(result.errors).toEqual([]);
      expect(result.failed).toBe(0);
      expect(result.statuses).toEqual({ 200: 6 });
      // One process serves them all, so every answer carries spawn-fcgi's child pid (it execs in place).
      expect(result.bodies.map(parseAnswer)).toEqual([{ lang: FIXTURE_LANG[name], pid: app.pid, version: "v-test-1" }]);
    } finally {
      await front?.stop();
      await app.stop(`SIG${spec.stop.signal}`);
    }
  });

  it("exits non-zero within seconds, with the reason on stderr, when CRASH_ON_START=1", async () => {
    const socketPath = path.join(dir, `${name}-crash.sock`);
    const spec = specFor(name, { crashOnStart: true });
    const started = Date.now();
    const app = spawnFcgi(socketPath, spec.command, spec.env);
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve("still running"), 10_000));
    const code = await Promise.race([app.exit, timeout]);
    if (code === "still running") await app.stop("SIGKILL");

    expect(code).not.toBe("still running");
    expect(code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(app.stderr()).toContain("CRASH_ON_START=1");
  });
});

describe("the stop signal of each fixture spec", () => {
  it.each(FIXTURE_APPS)("ends the %s app promptly", async (name) => {
    const socketPath = path.join(dir, `${name}-stop.sock`);
    const spec = specFor(name);
    const app = await startFcgi(socketPath, spec.command, spec.env);
    // The agent stops only started apps; uWSGI still loading the app treats HUP as "reload".
    await new Promise((r) => setTimeout(r, 1000));
    const started = Date.now();
    app.child.kill(`SIG${spec.stop.signal}`);
    const code = await Promise.race([app.exit, new Promise<string>((r) => setTimeout(() => r("still running"), 5000))]);
    if (code === "still running") await app.stop("SIGKILL");
    expect(code).not.toBe("still running");
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("the node fixture app on SIGTERM", () => {
  it("finishes the request in flight, then exits 0", async () => {
    const socketPath = path.join(dir, "node-graceful.sock");
    const spec = specFor("node");
    const app = await startFcgi(socketPath, spec.command, spec.env);
    const front = await startNginxFront({ socket: `unix:${socketPath}`, params: spec.fastcgiParams });
    try {
      const before = socketInodes(app.pid); // its listener, and any connection node has not closed yet
      const slow = runLoad({ url: `${front.url}/?delay_ms=800`, concurrency: 1, durationMs: 10_000, maxRequests: 1 });
      // Inside the app once node accepted it (it holds it for delay_ms). Not a fixed sleep, which a
      // loaded machine can outrun: a TERM before the accept is a refused connect, not this test.
      await waitUntil(async () => [...socketInodes(app.pid)].some((s) => !before.has(s)), 10_000, "the request accepted by the app", 5);
      app.child.kill("SIGTERM");
      const result = await slow;

      expect(result.statuses).toEqual({ 200: 1 });
      expect(parseAnswer(result.bodies[0] ?? "")?.pid).toBe(app.pid);
      expect(await app.exit).toBe(0);
    } finally {
      await front.stop();
      await app.stop("SIGKILL");
    }
  });
});
