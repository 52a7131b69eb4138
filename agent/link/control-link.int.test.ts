// A deployment's outcome reaches a control plane exactly once stored (issue #21): the agent keeps
// it until the control plane acknowledges it (deploy.ack), and sends it again after each welcome,
// so a replica that died after receiving it but before storing it loses nothing. A real agent
// link and supervisor against a control plane played by a ws server.
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { waitUntil } from "../../test/support/wait";
import type { DeploySender } from "../deploy/deploy-ops";
import { Supervisor } from "../supervisor/supervisor";
import { ControlLink } from "./control-link";

type Frame = { type: string; deploymentId?: string };
type Connection = { ws: WebSocket; frames: Frame[] };

let dir: string;
let server: WebSocketServer;
let supervisor: Supervisor;
let link: ControlLink;
let sender: DeploySender | null = null;
const connections: Connection[] = [];
// In-memory checks, polled tightly: between two looks the link may already have reconnected.
const POLL_MS = 20;

const final = (deploymentId: string) => ({
  type: "deploy.progress" as const,
  deploymentId,
  deployment: { id: deploymentId, appId: "a1", status: "succeeded" as const, ref: "main", commit: "abc1234", release: "", message: "", steps: [] },
});

const progressOf = (c: Connection, id: string) => c.frames.filter((f) => f.type === "deploy.progress" && f.deploymentId === id);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "stoker-link-"));
  server = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/ws/agent" });
  await new Promise((r) => server.once("listening", r));
  server.on("connection", (ws) => {
    const c: Connection = { ws, frames: [] };
    connections.push(c);
    ws.on("message", (d) => {
      const f = JSON.parse(String(d)) as Frame;
      c.frames.push(f);
      if (f.type === "hello") ws.send(JSON.stringify({ type: "welcome", hostId: "h1", hostName: "h1", acks: true }));
    });
  });
  supervisor = new Supervisor({ stateDir: path.join(dir, "state"), socketDirs: [dir], metrics: false });
  // The link installs its deployment sender here: keep a handle to report through it, as a deployment would.
  const set = supervisor.rooms.setDeploySender.bind(supervisor.rooms);
  supervisor.rooms.setDeploySender = (s) => {
    sender = s;
    set(s);
  };
  const { port } = server.address() as AddressInfo;
  link = new ControlLink({ url: `http://127.0.0.1:${port}/`, hostId: "h1", hostKey: "k" }, supervisor, () => {});
  link.start();
});

afterAll(async () => {
  link?.stop();
  supervisor?.detachAll();
  await new Promise((r) => server?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("sends a deployment's outcome again after a reconnect until it is acknowledged, then never again", async () => {
  const first = await waitUntil(() => (connections[0]?.frames.some((f) => f.type === "hello") ? connections[0] : null), 10_000, "the first connection's welcome", POLL_MS);
  await new Promise((r) => setTimeout(r, 50)); // the welcome reaches the agent
  sender?.progress(final("d1"));
  await waitUntil(() => progressOf(first, "d1").length === 1, 10_000, "the outcome", POLL_MS);
  // The control plane dies before storing it: no ack.
  first.ws.terminate();
  const second = await waitUntil(() => connections[1], 10_000, "a second connection", POLL_MS);
  await waitUntil(() => progressOf(second, "d1").length === 1, 10_000, "the outcome again, after the welcome", POLL_MS);
  const hello = second.frames.findIndex((f) => f.type === "hello");
  expect(second.frames.findIndex((f) => f.type === "deploy.progress")).toBeGreaterThan(hello);
  // Stored this time.
  second.ws.send(JSON.stringify({ type: "deploy.ack", deploymentId: "d1" }));
  await new Promise((r) => setTimeout(r, 200));
  second.ws.terminate();
  const third = await waitUntil(() => connections[2], 10_000, "a third connection", POLL_MS);
  await waitUntil(() => third.frames.some((f) => f.type === "hello"), 10_000, "its hello", POLL_MS);
  await new Promise((r) => setTimeout(r, 500));
  expect(progressOf(third, "d1")).toEqual([]);
});

it("keeps an outcome reported while no control plane is connected, and sends it after the next welcome", async () => {
  const current = connections[connections.length - 1];
  current.ws.terminate();
  await waitUntil(() => current.ws.readyState === current.ws.CLOSED, 10_000, "the agent noticing", POLL_MS);
  sender?.progress(final("d2"));
  const next = await waitUntil(() => (connections.length > connections.indexOf(current) + 1 ? connections[connections.length - 1] : null), 10_000, "a new connection", POLL_MS);
  await waitUntil(() => progressOf(next, "d2").length === 1, 10_000, "the outcome", POLL_MS);
  expect(progressOf(next, "d1")).toEqual([]);
});
