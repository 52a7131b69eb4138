// Checks the harness itself: the load loop counts nginx's 502s as failures, stops by itself, and
// refuses anything but loopback, so a green load test cannot come from a broken counter.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoad, startLoad } from "./load";
import { type NginxFront, startNginxFront } from "./nginx-front";

let dir = "";
let front: NginxFront;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "stoker-load-"));
  // Nothing listens on this socket: nginx answers 502 to every request.
  front = await startNginxFront({ socket: `unix:${path.join(dir, "nobody-home.sock")}` });
});
afterAll(async () => {
  await front.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("runLoad", () => {
  it("counts every 502 from nginx as a failed request", async () => {
    const r = await runLoad({ url: `${front.url}/`, concurrency: 3, durationMs: 10_000, maxRequests: 9 });
    expect(r.requests).toBe(9);
    expect(r.failed).toBe(9);
    expect(r.statuses).toEqual({ 502: 9 });
  });

  it("counts a refused connection as a failed request with its error code", async () => {
    const r = await runLoad({ url: "http://127.0.0.1:1/", concurrency: 1, durationMs: 5000, maxRequests: 2 });
    expect(r.failed).toBe(2);
    expect(r.errors).toEqual(["ECONNREFUSED x2"]);
  });

  it("stops by itself when the duration is over", async () => {
    const started = Date.now();
    const r = await runLoad({ url: `${front.url}/`, concurrency: 2, durationMs: 300 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(r.requests).toBeGreaterThan(0);
  });

  it("returns the tally when stopped early by the caller", async () => {
    const load = startLoad({ url: `${front.url}/`, concurrency: 2, durationMs: 30_000 });
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const r = await load.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(r.requests).toBe(r.statuses[502]);
  });

  it("refuses a URL that is not on loopback", () => {
    expect(() => startLoad({ url: "http://192.0.2.1/", concurrency: 1, durationMs: 100 })).toThrow(/loopback/);
  });
});

describe("startNginxFront", () => {
  it("logs why the upstream failed in its own error log", async () => {
    await runLoad({ url: `${front.url}/`, concurrency: 1, durationMs: 5000, maxRequests: 1 });
    expect(front.readErrorLog()).toContain("nobody-home.sock failed (2: No such file or directory)");
  });

  it("refuses fastcgi params that could break out of the config", async () => {
    await expect(startNginxFront({ socket: "unix:/tmp/x.sock", params: { SCRIPT_FILENAME: "/a; evil" } })).rejects.toThrow(/Unsafe/);
  });
});
