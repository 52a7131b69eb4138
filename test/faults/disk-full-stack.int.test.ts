// Disk full under `npm start`: the data dir (database, agent state, app logs) on a 64 MB tmpfs and an
// app that floods its output, beside an app serving requests through nginx. The agent stays up and
// keeps supervising (0 failed requests), the hosts page and an alert say the disk is full, reads and
// logins keep working, a change answers 507, and logging resumes by itself once space returns with
// the lines it could not store counted in the log.
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { RUN_AS } from "../support/fixture-apps";
import { startLoad } from "../support/load";
import { type NginxFront, startNginxFront } from "../support/nginx-front";
import { ADMIN, ownerToken, type Stack, startStack, waitUntil } from "../support/stack";
import { CHATTY, tallyChattyLines } from "./fault-support";

type Storage = { full: boolean; droppedLines: number; freeBytes: number | null };
type Host = { id: string; facts: { storage?: Storage; agentPid?: number } };
type ApiApp = { id: string; processes: { pid: number; state: string }[] };
type Hook = { event: string; status: string; summary: string };

const mnt = mkdtempSync(path.join(tmpdir(), "stoker-fault-disk-"));
// 64 MB: the database, the agent's state and app logs, and 12 MB of someone else's files.
let stack: Stack;
let token: string;
let mounted = false;
let nginx: NginxFront | undefined;
let receiver: Server;
let hookUrl = "";
const hooks: Hook[] = [];

const api = async <T>(p: string, init: RequestInit = {}) => {
  const res = await fetch(`${stack.url}/api/v1${p}`, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-stoker-csrf": "1", ...init.headers } });
  return { status: res.status, body: (await res.json().catch(() => null)) as T };
};
const host = async () => (await api<Host[]>("/hosts")).body[0];

/** Another program filling what is left of the disk. */
function fillDisk(file: string): number {
  const fd = openSync(file, "w");
  const mb = Buffer.alloc(1 << 20, 1);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, mb);
  } catch {
    // ENOSPC: full
  } finally {
    closeSync(fd);
  }
  return written;
}

beforeAll(async () => {
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", mnt]);
  if (r.status !== 0) throw new Error(`mount tmpfs: ${r.stderr}`);
  mounted = true;
  const dataDir = path.join(mnt, "data");
  mkdirSync(dataDir);
  chmodSync(mnt, 0o755);
  // Room that a cleanup frees at the end, so that space really returns.
  writeFileSync(path.join(mnt, "old-backups"), Buffer.alloc(12 << 20));
  // The alert's webhook receiver.
  receiver = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c));
    req.on("end", () => {
      hooks.push(JSON.parse(raw) as Hook);
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  stack = await startStack({ STOKER_ALERT_TICK_MS: "500" }, "", { dataDir });
  token = await ownerToken(stack.url);
}, 180_000);

afterAll(async () => {
  if (process.env.STOKER_FAULT_DEBUG) console.log(stack?.logs().slice(-6000));
  await nginx?.stop();
  await stack?.destroy();
  receiver?.close();
  if (mounted) spawnSync("umount", ["-l", mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

describe("a full disk under npm start", () => {
  it("keeps the agent supervising and serving, says so on the hosts page and in an alert, keeps reads and logins, answers changes 507, and resumes logging", async () => {
    onTestFailed(() => console.log(`hooks: ${JSON.stringify(hooks)}\nnpm start's output:\n${stack.logs().slice(-8000)}`));
    const agentPid = (await waitUntil(async () => (await host())?.facts.agentPid, 30_000, "the agent's facts")) as number;
    const hostId = (await host()).id;
    const channel = await api<{ id: string }>("/notifications/channels", { method: "POST", body: JSON.stringify({ name: "ops hook", kind: "webhook", url: hookUrl }) });
    expect(channel.status, JSON.stringify(channel.body)).toBe(201);
    const rule = await api("/notifications/rules", { method: "POST", body: JSON.stringify({ name: "disk", event: "host.logs.disk-full", channelIds: [channel.body.id], params: { threshold: 5, resolveAfterSec: 1 } }) });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    const hooksOf = (status: string) => hooks.filter((h) => h.event === "host.logs.disk-full" && h.status === status);
    // An app serving requests (and logging one line each, 20 ticks/s) through nginx the whole time.
    const steady = await api<{ id: string }>("/apps", {
      method: "POST",
      body: JSON.stringify({ name: "steady", hostId, command: [process.execPath, CHATTY], processes: 2, env: { TICKS_PER_S: "20" }, socket: { path: path.join(stack.dataDir, "run", "steady.sock") }, ...RUN_AS }),
    });
    expect(steady.status, JSON.stringify(steady.body)).toBe(201);
    const steadyRunning = () =>
      waitUntil(async () => {
        const a = (await api<ApiApp>(`/apps/${steady.body.id}`)).body;
        return a?.processes?.length === 2 && a.processes.every((p) => p.state === "RUNNING") ? a.processes.map((p) => p.pid).sort() : null;
      }, 60_000, "steady with 2 RUNNING processes");
    const steadyPids = await steadyRunning();
    nginx = await startNginxFront({ socket: `unix:${path.join(stack.dataDir, "run", "steady.sock")}` });
    const load = startLoad({ url: `${nginx.url}/`, concurrency: 2, durationMs: 200_000, requestTimeoutMs: 10_000 });
    const created = await api<{ id: string }>("/apps", {
      method: "POST",
      body: JSON.stringify({
        name: "flood",
        hostId,
        command: [process.execPath, CHATTY],
        env: { TICKS_PER_S: "40000" },
        socket: { path: path.join(stack.dataDir, "run", "flood.sock") },
        ...RUN_AS,
      }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const full = await waitUntil(async () => ((await host()).facts.storage?.full ? (await host()).facts.storage : null), 90_000, "the host to say the disk is full");
    const fired = await waitUntil(async () => hooksOf("firing")[0], 20_000, "the disk-full alert").catch(() => undefined);

    // The logs stop short of the last few percent: the database still has room for a login.
    const reads = (await api<unknown[]>("/apps")).status;
    const loginRes = await fetch(`${stack.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) });
    const login = loginRes.status;
    const cookie = loginRes.headers.get("set-cookie")?.split(";")[0] ?? "";
    const hostsPage = await (await fetch(`${stack.url}/hosts`, { headers: { cookie } })).text();
    const pageSaysFull = hostsPage.includes('data-testid="disk-full-alert"');
    // Now another program takes the rest: changes cannot be saved.
    const filled = fillDisk(path.join(mnt, "filler"));
    const change = await api<{ code: string; message: string }>("/tokens", { method: "POST", body: JSON.stringify({ name: "while-full" }) });
    const readsWhenFull = (await api<unknown[]>("/apps")).status;
    const hostsWhenFull = (await api<unknown[]>("/hosts")).status;
    // A login must store its session: on a disk with no byte left it cannot (measured, not promised).
    const loginWhenFull = (await fetch(`${stack.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) })).status;
    const agentAlive = (await host()).facts.agentPid === agentPid;
    const steadyWhenFull = await steadyRunning();

    // Space returns: the filler goes (changes work again), the flood is stopped, old files are
    // cleaned up; logging resumes by itself and counts what it dropped.
    rmSync(path.join(mnt, "filler"));
    const stop = await api(`/apps/${created.body.id}/stop`, { method: "POST" });
    rmSync(path.join(mnt, "old-backups"));
    const back = await waitUntil(async () => ((await host()).facts.storage?.full === false ? (await host()).facts.storage : null), 30_000, "the host to say the disk has room");
    // The steady app's new lines are stored again, with nothing done but freeing space.
    const steadyLog = path.join(stack.dataDir, "agent", "logs", steady.body.id);
    const highestAtBack = tallyChattyLines(steadyLog).highest;
    const resumed = await waitUntil(async () => {
      const now = tallyChattyLines(steadyLog).highest;
      return steadyPids.every((p) => (now[p] ?? -1) > (highestAtBack[p] ?? -1) + 20) ? now : null;
    }, 30_000, "the steady app's lines stored again").catch(() => null);
    const served = await load.stop();
    const resolved = await waitUntil(async () => hooksOf("resolved")[0], 30_000, "the disk-full alert resolved").catch(() => undefined);
    const tally = tallyChattyLines(path.join(stack.dataDir, "agent", "logs", created.body.id));
    const steadyTally = tallyChattyLines(steadyLog);
    const marked = (await api<{ lines: { text: string }[] }>(`/apps/${created.body.id}/logs?q=${encodeURIComponent("lines dropped: disk full")}&limit=50`)).body.lines;
    const droppedMarked = marked.reduce((s, l) => s + Number(/(\d+) lines dropped/.exec(l.text)?.[1] ?? 0), 0);
    const emitted = Object.keys(tally.perPid).length ? tally.lines + tally.lost : 0;
    console.log(
      `[disk full, stack] full after flooding (free ${full?.freeBytes} B); alert ${fired ? `fired: ${fired.summary}` : "not fired"}, hosts page says full ${pageSaysFull}; reads ${reads}, login ${login}; disk then filled (${filled >> 20} MB more): change ${change.status} ${change.body?.code}, reads ${readsWhenFull}, hosts ${hostsWhenFull}, login ${loginWhenFull}, agent alive ${agentAlive}, steady pids kept ${steadyWhenFull.filter((p) => steadyPids.includes(p)).length}/2; requests ${served.requests}, failed ${served.failed}; after space returned: logging resumed ${resumed !== null}, alert resolved ${resolved !== undefined}; flood lines stored ${tally.lines}, marked dropped ${droppedMarked} (host counts ${back?.droppedLines}), lost unmarked ${Math.max(0, emitted - tally.lines - droppedMarked)}, torn ${tally.torn + steadyTally.torn}`,
    );
    expect(reads).toBe(200);
    expect(login).toBe(200);
    expect(fired?.summary).toMatch(/cannot store app output/);
    expect(pageSaysFull).toBe(true);
    expect(change.status).toBe(507);
    expect(change.body.code).toBe("STORAGE_FULL");
    expect(change.body.message).toMatch(/disk is full/);
    expect(readsWhenFull).toBe(200);
    expect(hostsWhenFull).toBe(200);
    expect([200, 507]).toContain(loginWhenFull); // never a 500
    expect(agentAlive).toBe(true);
    expect(steadyWhenFull).toEqual(steadyPids); // supervised, not restarted
    expect(served.failed, served.errors.join(", ")).toBe(0);
    expect(stop.status).toBe(200);
    expect(resumed).not.toBeNull();
    expect(resolved).toBeDefined();
    expect(droppedMarked).toBeGreaterThan(0);
    expect(tally.torn).toBe(0);
    expect(steadyTally.torn).toBe(0);
    expect(emitted - tally.lines - droppedMarked).toBeLessThanOrEqual(0); // every line stored or counted
  }, 300_000);
});
