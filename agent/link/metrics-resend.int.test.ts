// App metrics survive a control-plane outage (issue #19): samples the agent takes while no control
// plane answers are kept on its disk and sent after it returns, and the control plane's store keeps
// each interval once however often it is sent. A real supervisor running a real app, its real link,
// and a control plane played by a ws server that goes away and comes back on the same port.
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { type AppSample, AppSpecSchema } from "../../lib/protocol";
import { MetricsStore } from "../../lib/metrics/metrics-store";
import { waitUntil } from "../../test/support/wait";
import { Supervisor } from "../supervisor/supervisor";
import { ControlLink } from "./control-link";

type Frame = { type: string; samples?: AppSample[] };
const APP = "outage-app";
let dir: string;
let port = 0;
let server: WebSocketServer | null = null;
let supervisor: Supervisor;
let link: ControlLink;
const connections: Frame[][] = [];
// In-memory checks, polled tightly: between two looks the link may already have reconnected.
const POLL_MS = 20;

async function controlPlane(): Promise<void> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port, path: "/ws/agent" });
  await new Promise((r) => wss.once("listening", r));
  port = (wss.address() as AddressInfo).port;
  wss.on("connection", (ws) => {
    const frames: Frame[] = [];
    connections.push(frames);
    ws.on("message", (d) => {
      const f = JSON.parse(String(d)) as Frame;
      frames.push(f);
      if (f.type === "hello") ws.send(JSON.stringify({ type: "welcome", hostId: "h1", hostName: "h1", acks: true }));
    });
  });
  server = wss;
}

async function outage(): Promise<void> {
  const wss = server;
  server = null;
  for (const c of wss?.clients ?? []) c.terminate();
  await new Promise((r) => wss?.close(r));
}

const samplesIn = (frames: Frame[]) => frames.filter((f) => f.type === "metrics.samples").flatMap((f) => f.samples ?? []).filter((s) => s.appId === APP);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "stoker-metrics-resend-"));
  // The sampler's own 10 s clock is off: the test takes the samples itself, at known times.
  supervisor = new Supervisor({ stateDir: path.join(dir, "state"), socketDirs: [dir], metrics: false });
  const spec = AppSpecSchema.parse({
    name: APP,
    hostId: "h1",
    command: [process.execPath, path.resolve("examples/apps/node/hello.mjs")],
    processes: 1,
    socket: { path: path.join(dir, "app.sock") },
    ...(process.getuid?.() === 0 ? { user: "root" } : {}),
    ready: { timeoutMs: 20_000 },
  });
  const put = await supervisor.put({ appId: APP, revision: 1, desired: "running", spec, rootApproved: true });
  expect(put.ok, JSON.stringify(put)).toBe(true);
  await controlPlane();
  link = new ControlLink({ url: `http://127.0.0.1:${port}/`, hostId: "h1", hostKey: "k" }, supervisor, () => {});
  link.start();
}, 60_000);

afterAll(async () => {
  link?.stop();
  if (supervisor) await supervisor.execute({ op: "app.remove", appId: APP });
  supervisor?.detachAll();
  if (server) await outage();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("sends the samples taken while the control plane was away once it returns, and the control plane keeps each interval once", async () => {
  await waitUntil(() => connections[0]?.some((f) => f.type === "hello"), 20_000, "the first connection", POLL_MS);
  await waitUntil(() => supervisor.apps.get(APP)?.processes()[0]?.state === "RUNNING", 20_000, "the app running", POLL_MS);
  const step = supervisor.metrics.intervalMs;
  const t0 = Math.floor(Date.now() / step) * step - 10 * step;
  supervisor.metrics.tick(t0);
  await waitUntil(() => samplesIn(connections[0]).some((s) => s.t === t0), 20_000, "the live sample", POLL_MS);

  await outage();
  const during = [t0 + step, t0 + 2 * step, t0 + 3 * step];
  for (const t of during) supervisor.metrics.tick(t);
  expect(connections).toHaveLength(1);

  await controlPlane(); // back, on the same address
  const back = await waitUntil(() => connections[1], 20_000, "a connection after the outage", POLL_MS);
  const resent = await waitUntil(() => {
    const got = samplesIn(back);
    return during.every((t) => got.some((s) => s.t === t)) ? got : null;
  }, 20_000, "the samples of the outage", POLL_MS);
  // After the hello, as a control plane that just started knows the host by then.
  expect(back.findIndex((f) => f.type === "hello")).toBeLessThan(back.findIndex((f) => f.type === "metrics.samples"));
  const outageSample = resent.find((s) => s.t === during[0]);
  expect(outageSample).toMatchObject({ appId: APP, step, processes: 1 });
  expect(outageSample?.rssBytes).toBeGreaterThan(1 << 20);

  // The control plane's side: the live sample and the resend of it count once, in time order.
  const store = new MetricsStore();
  store.add("h1", samplesIn(connections[0]));
  store.add("h1", resent);
  expect(store.since(APP, 0).map((s) => s.t)).toEqual([t0, ...during]);
}, 60_000);
