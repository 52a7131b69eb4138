// Issue 15 item 1 under load: php-cgi with PHP_FCGI_MAX_REQUESTS=10 (the input), 2 processes,
// 16 clients at once behind nginx. A replacement uses up its 10 requests before its readiness probe
// (queued behind every client) answers; it still served, so its clean exit is a recycle, not a failed
// start: no backoff, no 503 from the agent for want of a process, no failed request.
// Restarted under that load, the old generation reaches its quota while it drains: what is still
// queued on its retired socket is relayed to the new generation, never left to be reset.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProcessTransition } from "@/lib/protocol";
import { answeredSince, runLoad, startLoad } from "./support/load";
import { MATRIX_KINDS, matrixDir, serveKind } from "./support/restart-matrix";

let dir: ReturnType<typeof matrixDir>;
beforeAll(() => {
  dir = matrixDir("stoker-recycle-load-");
});
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  dir.remove();
});

const php = MATRIX_KINDS.find((k) => k.name === "php")!;
const quota10 = { ...php, name: "php-quota10", spec: (sock: string) => ({ ...php.spec(sock), env: { PHP_FCGI_CHILDREN: "0", PHP_FCGI_MAX_REQUESTS: "10" } }) };

describe("recycling under load with a small quota", () => {
  it("php-cgi with PHP_FCGI_MAX_REQUESTS=10 under 16 clients: every request answered, no backoff", async () => {
    const { supervisor, nginx } = await serveKind(quota10, dir.path, cleanups);
    const transitions: ProcessTransition[] = [];
    supervisor.listen({ status: () => {}, transition: (t) => transitions.push(t) });
    // 600 requests over 2 processes that each exit after 10: ~60 recycles (before: BACKOFF and 503s after ~190).
    const result = await runLoad({ url: `${nginx.url}/r`, concurrency: 16, durationMs: 60_000, maxRequests: 600 });
    expect(result.failed, `${result.errors.slice(0, 5).join(", ")} ${JSON.stringify(result.statuses)}`).toBe(0);
    expect(transitions.filter((t) => t.to === "BACKOFF" || t.to === "FATAL")).toEqual([]);
    // A replacement that used up its quota before its check ended served: its log says recycled, not "not ready".
    const log = readFileSync(path.join(dir.path, "state-php-quota10", "logs", "m-php-quota10", "app.log"), "utf8");
    expect(log).toContain("exited cleanly");
    expect(log).not.toContain("is not ready");
  });

  it("php-cgi with PHP_FCGI_MAX_REQUESTS=10 restarted under 16 clients: the old processes' exits while they drain lose nothing", async () => {
    const { supervisor, nginx, app } = await serveKind({ ...quota10, name: "php-quota10-restart" }, dir.path, cleanups);
    const load = startLoad({ url: `${nginx.url}/r`, concurrency: 16, durationMs: 60_000 });
    await answeredSince(load, 0, "before the first restart");
    for (let i = 0; i < 5; i++) {
      const r = await supervisor.execute({ op: "app.restart", appId: app.appId });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      await answeredSince(load, load.answers().total, `after restart ${i + 1}`);
    }
    const result = await load.stop();
    const errors = nginx.errorLines().slice(0, 3).join(" | ");
    expect(result.failed, `${result.errors.slice(0, 5).join(", ")} ${JSON.stringify(result.statuses)} nginx: ${errors}`).toBe(0);
  });
});
