// GET /api/v1/metrics through the whole stack (issue #19): the Prometheus text parses with a real
// parser, carries the app and host labels, and its gauges are read at scrape time: a php-cgi app
// (its defaults, 2 processes) with both workers holding a connection and one more queued reads
// busy 2, idle 0, queue 1 at once, then idle 2 again. No token: 401.
import { connect, type Socket } from "node:net";
import path from "node:path";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { specFor } from "./support/fixture-apps";
import { ownerToken, type Stack, startStack, tokenCaller, waitUntil } from "./support/stack";

let stack: Stack;
let token: string;
const NAME = "prom-php";

const call = tokenCaller(() => stack.url, () => token);

async function scrape(): Promise<Map<string, { value: number; labels: Record<string, string> }[]>> {
  const res = await fetch(`${stack.url}/api/v1/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  const families = parsePrometheusTextFormat(await res.text());
  return new Map(families.map((f) => [f.name, f.metrics.map((m) => ({ value: Number(m.value), labels: m.labels ?? {} }))]));
}

const sampleOf = (m: Awaited<ReturnType<typeof scrape>>, name: string, app = NAME) => m.get(name)?.find((s) => s.labels.app === app)?.value;

let socketPath = "";
let hostName = "";
let phpId = "";

beforeAll(async () => {
  stack = await startStack();
  token = await ownerToken(stack.url);
  const demo = await waitUntil(async () => {
    const list = (await call("GET", "/apps")).body as unknown as {
      id: string;
      spec: Record<string, unknown> & { socket: Record<string, unknown> };
      host: { name: string; online: boolean };
      processes: { state: string }[];
    }[];
    const app = list[0];
    return app?.host.online && app.processes.length === 2 && app.processes.every((p) => p.state === "RUNNING") ? app : null;
  }, 60_000, "the demo app running");
  hostName = demo.host?.name ?? "";
  socketPath = `${stack.dataDir}/run/${NAME}.sock`;
  const php = specFor("php");
  const created = await call("POST", "/apps", {
    ...demo.spec,
    name: NAME,
    processes: 2,
    command: php.command,
    env: php.env,
    fastcgiParams: { SCRIPT_FILENAME: path.resolve("test/fixtures/slow.php") },
    stop: php.stop,
    socket: { ...demo.spec.socket, path: socketPath },
    web: undefined,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  phpId = String(created.body.id);
  await waitUntil(async () => {
    const app = (await call("GET", `/apps/${created.body.id}`)).body as { processes?: { state: string }[] };
    return app.processes?.length === 2 && app.processes.every((p) => p.state === "RUNNING") ? true : null;
  }, 30_000, "2 php-cgi processes");
}, 180_000);

afterAll(async () => {
  await stack?.destroy();
});

describe("GET /api/v1/metrics", () => {
  it("refuses a scrape without a token", async () => {
    expect((await fetch(`${stack.url}/api/v1/metrics`)).status).toBe(401);
  });

  it("parses as Prometheus text with app and host labels, every worker idle and an empty queue", async () => {
    const m = await waitUntil(async () => {
      const s = await scrape();
      return sampleOf(s, "stoker_app_workers_idle") === 2 ? s : null;
    }, 20_000, "2 idle workers");
    const up = m.get("stoker_app_up")?.find((s) => s.labels.app === NAME);
    expect(up).toEqual({ value: 1, labels: { app: NAME, host: hostName } });
    expect(sampleOf(m, "stoker_app_workers_busy")).toBe(0);
    expect(sampleOf(m, "stoker_app_listen_queue")).toBe(0);
    expect(sampleOf(m, "stoker_app_processes")).toBe(2);
    expect(sampleOf(m, "stoker_app_memory_rss_bytes")).toBeGreaterThan(1 << 20);
    expect(sampleOf(m, "stoker_app_open_fds")).toBeGreaterThan(4);
    expect(sampleOf(m, "stoker_app_restarts")).toBe(0);
    expect(m.get("stoker_app_cpu_percent")?.some((s) => s.labels.app === NAME)).toBe(true);
    expect(m.get("stoker_process_memory_rss_bytes")?.filter((s) => s.labels.app === NAME).map((s) => s.labels.slot).sort()).toEqual(["0", "1"]);
    // The demo app (node, an event loop waiting in epoll, not in accept) is idle too.
    const demo = m.get("stoker_app_workers_idle")?.find((s) => s.labels.app !== NAME);
    expect(demo?.value).toBe(2);
  });

  it("reads busy workers and the queue at scrape time, not from the last sample", async () => {
    const conns: Socket[] = [];
    try {
      // php-cgi takes one connection per process and waits for its request: 2 held, the 3rd queued.
      for (let i = 0; i < 3; i++) conns.push(connect(socketPath));
      await Promise.all(conns.map((c) => new Promise((r) => c.once("connect", r))));
      const started = Date.now();
      const m = await waitUntil(async () => {
        const s = await scrape();
        return sampleOf(s, "stoker_app_workers_busy") === 2 ? s : null;
      }, 5000, "2 busy workers");
      // Well inside the 10 s sample interval: the values are the scrape's own.
      expect(Date.now() - started).toBeLessThan(5000);
      expect(sampleOf(m, "stoker_app_workers_idle")).toBe(0);
      expect(sampleOf(m, "stoker_app_listen_queue")).toBe(1);
    } finally {
      for (const c of conns) c.destroy();
    }
    const after = await waitUntil(async () => {
      const s = await scrape();
      return sampleOf(s, "stoker_app_workers_idle") === 2 ? s : null;
    }, 10_000, "idle again");
    expect(sampleOf(after, "stoker_app_listen_queue")).toBe(0);
  });

  it("keeps each process's history: the stored 10 s samples carry both processes' CPU, memory and fds", async () => {
    type H = { source: string; samples: { t: number; processes: number; perProcess?: { slot: number; pid: number; rssBytes: number; fds: number }[] }[] };
    const history = await waitUntil(async () => {
      const h = (await call("GET", `/apps/${phpId}/metrics?range=1h&processes=1`)).body as unknown as H;
      return h.samples.some((s) => s.processes === 2) ? h : null;
    }, 25_000, "a stored sample of both processes");
    expect(history.source).toBe("agent");
    const sample = history.samples.filter((s) => s.processes === 2).at(-1);
    expect(sample?.perProcess?.map((p) => p.slot).sort()).toEqual([0, 1]);
    for (const p of sample?.perProcess ?? []) {
      expect(p.pid).toBeGreaterThan(1);
      expect(p.rssBytes).toBeGreaterThan(1 << 20);
      expect(p.fds).toBeGreaterThan(2);
    }
    // Without asking: the app's figures alone (the charts' usual answer stays small).
    const plain = (await call("GET", `/apps/${phpId}/metrics?range=1h`)).body as unknown as H;
    expect(plain.samples.every((s) => s.perProcess === undefined)).toBe(true);
  });
});

