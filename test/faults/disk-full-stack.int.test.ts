// Disk full under `npm start`: the data dir (database, agent state, app logs) on a 64 MB tmpfs and an
// app that floods its output. The agent stays up and keeps supervising, the host says the disk is
// full, reads and logins keep working, a change answers 507, and logging resumes once space returns
// with the lines it could not store counted in the log.
import { spawnSync } from "node:child_process";
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { RUN_AS } from "../support/fixture-apps";
import { ADMIN, ownerToken, type Stack, startStack, waitUntil } from "../support/stack";
import { CHATTY, tallyChattyLines } from "./fault-support";

type Storage = { full: boolean; droppedLines: number; freeBytes: number | null };
type Host = { id: string; facts: { storage?: Storage; agentPid?: number } };

const mnt = mkdtempSync(path.join(tmpdir(), "stoker-fault-disk-"));
// 64 MB: the database, the agent's state and app logs, and 12 MB of someone else's files.
let stack: Stack;
let token: string;
let mounted = false;

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
  stack = await startStack({}, "", { dataDir });
  token = await ownerToken(stack.url);
}, 180_000);

afterAll(async () => {
  if (process.env.STOKER_FAULT_DEBUG) console.log(stack?.logs().slice(-6000));
  await stack?.destroy();
  if (mounted) spawnSync("umount", ["-l", mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

describe("a full disk under npm start", () => {
  it("keeps the agent supervising, says so, keeps reads and logins, answers changes 507, and resumes logging", async () => {
    onTestFailed(() => console.log(`npm start's output:\n${stack.logs().slice(-8000)}`));
    const agentPid = (await waitUntil(async () => (await host())?.facts.agentPid, 30_000, "the agent's facts")) as number;
    const hostId = (await host()).id;
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

    // The logs stop short of the last few percent: the database still has room for a login.
    const reads = (await api<unknown[]>("/apps")).status;
    const login = (await fetch(`${stack.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) })).status;
    // Now another program takes the rest: changes cannot be saved.
    const filled = fillDisk(path.join(mnt, "filler"));
    const change = await api<{ code: string; message: string }>("/tokens", { method: "POST", body: JSON.stringify({ name: "while-full" }) });
    const readsWhenFull = (await api<unknown[]>("/apps")).status;
    const hostsWhenFull = (await api<unknown[]>("/hosts")).status;
    // A login must store its session: on a disk with no byte left it cannot (measured, not promised).
    const loginWhenFull = (await fetch(`${stack.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) })).status;
    const agentAlive = (await host()).facts.agentPid === agentPid;

    // Space returns: the filler goes (changes work again), the flood is stopped, old files are
    // cleaned up; logging resumes by itself and counts what it dropped.
    rmSync(path.join(mnt, "filler"));
    const stop = await api(`/apps/${created.body.id}/stop`, { method: "POST" });
    rmSync(path.join(mnt, "old-backups"));
    const back = await waitUntil(async () => ((await host()).facts.storage?.full === false ? (await host()).facts.storage : null), 30_000, "the host to say the disk has room");
    const tally = tallyChattyLines(path.join(stack.dataDir, "agent", "logs", created.body.id));
    const marked = (await api<{ lines: { text: string }[] }>(`/apps/${created.body.id}/logs?q=${encodeURIComponent("lines dropped: disk full")}&limit=50`)).body.lines;
    const droppedMarked = marked.reduce((s, l) => s + Number(/(\d+) lines dropped/.exec(l.text)?.[1] ?? 0), 0);
    const emitted = Object.keys(tally.perPid).length ? tally.lines + tally.lost : 0;
    console.log(
      `[disk full, stack] full after flooding (free ${full?.freeBytes} B); reads ${reads}, login ${login}; disk then filled (${filled >> 20} MB more): change ${change.status} ${change.body?.code}, reads ${readsWhenFull}, hosts ${hostsWhenFull}, login ${loginWhenFull}, agent alive ${agentAlive}; after space returned: lines stored ${tally.lines}, marked dropped ${droppedMarked} (host counts ${back?.droppedLines}), lost unmarked ${Math.max(0, emitted - tally.lines - droppedMarked)}, torn ${tally.torn}`,
    );
    expect(reads).toBe(200);
    expect(login).toBe(200);
    expect(change.status).toBe(507);
    expect(change.body.code).toBe("STORAGE_FULL");
    expect(change.body.message).toMatch(/disk is full/);
    expect(readsWhenFull).toBe(200);
    expect(hostsWhenFull).toBe(200);
    expect([200, 507]).toContain(loginWhenFull); // never a 500
    expect(agentAlive).toBe(true);
    expect(stop.status).toBe(200);
    expect(droppedMarked).toBeGreaterThan(0);
    expect(tally.torn).toBe(0);
    expect(emitted - tally.lines - droppedMarked).toBeLessThanOrEqual(0); // every line stored or counted
  }, 240_000);
});
