// App metrics from real components (issue #19): php-cgi (its defaults) behind a real nginx whose
// rendered site writes the access log the agent follows. Busy/idle workers and the listen queue of
// a saturated app; a load's requests, status classes and latency within one sample interval.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type AppSample, AppSpecSchema, siteAccessLog } from "@/lib/protocol";
import { appsBehindWebServer } from "./support/apps-behind-web-server";
import { appSpecFor } from "./support/fixture-apps";
import { waitUntil } from "./support/wait";
import { httpGet } from "./support/web-servers";

const SLOW_PHP = path.resolve("test/fixtures/slow.php");
const WORKERS = 2;
const HOST = "metrics.test";

describe("app metrics behind nginx", () => {
  const pushed: AppSample[] = [];
  const appId = "metrics-php";
  const web = appsBehindWebServer({
    kind: "nginx",
    label: "metrics",
    siteLogs: true,
    apps: ({ dir, port }) => [
      AppSpecSchema.parse({
        ...appSpecFor("php", path.join(dir, "php.sock"), { fastcgiParams: { SCRIPT_FILENAME: SLOW_PHP } }),
        name: appId,
        processes: WORKERS,
        socket: { path: path.join(dir, "php.sock"), group: "www-data", mode: "0660" },
        web: { server: "nginx", serverName: HOST, listen: `127.0.0.1:${port}`, mount: "/", extra: { readTimeoutS: 60 } },
      }),
    ],
  });

  beforeAll(() => {
    expect(web.siteText).toContain(siteAccessLog(web.site, web.siteLogDir));
    web.supervisor.metrics.setSender((samples) => pushed.push(...samples));
  });

  const reading = () => {
    const s = web.supervisor.metrics.now().find((x) => x.appId === appId);
    if (!s) throw new Error("no reading");
    return s;
  };

  it("shows every worker idle and an empty queue when nothing is asked", async () => {
    const s = await waitUntil(async () => {
      const r = reading();
      return r.workersIdle === WORKERS ? r : null;
    }, 10_000, "idle workers");
    expect(s).toMatchObject({ processes: WORKERS, workersBusy: 0, workersIdle: WORKERS, listenQueue: 0 });
    expect(s.rssBytes).toBeGreaterThan(1 << 20);
    expect(s.fds).toBeGreaterThan(WORKERS * 3);
  });

  it("shows all workers busy and the requests beyond them queued on the socket while every worker sits in a slow request", async () => {
    const queued = 3;
    const slow = Array.from({ length: WORKERS + queued }, () => httpGet(web.server.port, "/?ms=6000", { host: HOST, timeoutMs: 30_000 }));
    const s = await waitUntil(async () => {
      const r = reading();
      return r.workersBusy === WORKERS && r.listenQueue === queued ? r : null;
    }, 5000, `${WORKERS} busy, ${queued} queued`);
    expect(s.workersIdle).toBe(0);
    const answers = await Promise.all(slow);
    expect(answers.map((a) => a.status)).toEqual(Array(WORKERS + queued).fill(200));
    // And back: the queue drained, every worker waiting in accept again.
    const after = await waitUntil(async () => {
      const r = reading();
      return r.workersIdle === WORKERS ? r : null;
    }, 5000, "idle again");
    expect(after).toMatchObject({ workersBusy: 0, listenQueue: 0 });
  }, 60_000);

  it("counts a load through nginx in requests, status classes and latency within one sample interval", async () => {
    const interval = web.supervisor.metrics.intervalMs;
    // Starts on a fresh interval: the slow requests' lines are read, and a sample has taken them.
    await new Promise((r) => setTimeout(r, 1000));
    const mark = pushed.length;
    await waitUntil(async () => (pushed.length > mark ? true : null), interval + 5000, "a sample");
    const before = pushed.length;
    const fresh = pushed[before - 1].t;
    const ok = 60;
    const failed = 7;
    // Bounded, 4 at a time: each request sleeps 20 ms in the app.
    const paths = [...Array(ok).fill("/?ms=20"), ...Array(failed).fill("/?ms=20&status=503")];
    for (let i = 0; i < paths.length; i += 4) {
      const batch = await Promise.all(paths.slice(i, i + 4).map((p) => httpGet(web.server.port, p, { host: HOST })));
      expect(batch.every((b) => b.status === 200 || b.status === 503)).toBe(true);
    }
    const loadEnded = Date.now();
    // Every request is in a sample pushed at most one interval (plus the log's poll and a loaded
    // machine's slack) after the load ended.
    const samples = await waitUntil(async () => {
      const mine = pushed.slice(before).filter((s) => s.appId === appId);
      return mine.reduce((n, s) => n + s.requests, 0) >= ok + failed ? mine : null;
    }, interval + 5000, "the load in the samples");
    expect(Date.now() - loadEnded).toBeLessThan(interval + 5000);
    const sum = (k: "requests" | "status2xx" | "status5xx") => samples.reduce((n, s) => n + s[k], 0);
    expect(sum("requests")).toBe(ok + failed);
    expect(sum("status2xx")).toBe(ok);
    expect(sum("status5xx")).toBe(failed);
    const busiest = samples.reduce((a, b) => (b.requests > a.requests ? b : a));
    // 20 ms in the app: nginx's request time is at least that, and not seconds.
    expect(busiest.p50Ms).toBeGreaterThanOrEqual(19);
    expect(busiest.p99Ms).toBeGreaterThanOrEqual(busiest.p50Ms ?? 0);
    expect(busiest.p99Ms).toBeLessThan(2000);
    expect(busiest.step).toBe(interval);
    // Stored on disk too, and read back as history.
    const history = web.supervisor.metrics.query(appId, fresh + 1, Date.now());
    expect(history.reduce((n, s) => n + s.requests, 0)).toBe(ok + failed);
  }, 60_000);
});
