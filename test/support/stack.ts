// Starts the real Stoker stack for a test (control plane + local agent + demo app via
// scripts/start.mjs) on a free port with its own data dir, and tears all of it down after.
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./free-port";
import { childPids } from "./procs";
import { type TestDb, testDb } from "./test-db";
import { waitUntil } from "./wait";

export { freePort, waitUntil };

export const ADMIN = { email: "admin@example.com", password: "correct-horse-battery-staple" };
const ROOT = path.resolve(import.meta.dirname, "../..");


export type Stack = {
  url: string;
  port: number;
  dataDir: string;
  /** Its database (SQLite in the data dir, or its own PostgreSQL database in the `pg` project). */
  db: TestDb;
  logs: () => string;
  /** The pid of `npm start` (scripts/start.mjs), whose children are the control plane and the agent. */
  startPid: () => number | null;
  /** Stops the control plane and agent (apps keep running, as in production). */
  stopStoker(): Promise<void>;
  /** Starts them again on the same port and data dir (waiting up to `timeoutMs` for the control plane). */
  startStoker(timeoutMs?: number): Promise<void>;
  /** Everything: Stoker, then every app process the agent recorded, then the data dir. */
  destroy(): Promise<void>;
};

/**
 * SIGKILLs the log keeper of the agent whose state is in `stateDir`: before a test kills an app's
 * processes, or the keeper (the agent being gone) replaces them.
 */
export function stopKeeper(stateDir: string): void {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "latin1").split("\0");
      if (args.some((a) => /log-keeper\.(mjs|ts)$/.test(a)) && args.includes(path.resolve(stateDir))) process.kill(Number(entry), "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
}


export function appPids(dataDir: string): number[] {
  try {
    // Workers too: they outlive Stoker like the FastCGI processes, and were left running after a test.
    const state = JSON.parse(readFileSync(path.join(dataDir, "agent", "state.json"), "utf8")) as { apps: { processes: { pid: number }[]; workers?: { pid: number }[] }[] };
    return state.apps.flatMap((a) => [...a.processes, ...(a.workers ?? [])].map((p) => p.pid));
  } catch {
    return [];
  }
}

export async function startStack(extraEnv: Record<string, string> = {}, basePath = "", opts: { dataDir?: string; db?: TestDb } = {}): Promise<Stack> {
  const port = await freePort();
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), "stoker-test-"));
  chmodSync(dataDir, 0o755); // web-server workers (www-data) must reach the app sockets inside
  const url = `http://127.0.0.1:${port}`;
  const db = opts.db ?? (await testDb(dataDir)); // a database of its own, unless it shares one (replicas)
  let output = "";
  let proc: ChildProcess | null = null;
  const start = async (timeoutMs = 120_000) => {
    proc = spawn(process.execPath, ["scripts/start.mjs"], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        STOKER_DATA_DIR: dataDir,
        STOKER_ADMIN_EMAIL: ADMIN.email,
        STOKER_ADMIN_PASSWORD: ADMIN.password,
        ...db.env,
        ...extraEnv,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    proc.stdout?.on("data", (d) => (output += d));
    proc.stderr?.on("data", (d) => (output += d));
    // A failed start says why: npm start's own output (a build it ran, a migration, a crash) goes with the error.
    const health = `${url}${basePath}/api/v1/health`;
    await waitUntil(async () => (await fetch(health).catch(() => null))?.ok, timeoutMs, `${health} to answer`, 100).catch((e: Error) => {
      throw new Error(`${e.message}; npm start's output:\n${output.slice(-8000)}`);
    });
  };
  const stopStoker = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once("exit", () => resolve()));
    p.kill("SIGTERM");
    // npm start stops in a few seconds; on a loaded machine a stop that hangs must not eat the
    // file's hook time: it is said, with the output, and the tree is killed.
    const slow = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 40_000))]);
    if (slow) {
      console.warn(`[test] npm start did not stop within 40 s of SIGTERM; killing it and its control plane and agent. Its output:\n${output.slice(-4000)}`);
      for (const pid of [...childPids(p.pid ?? 0), p.pid ?? 0]) { // npm start's control plane and agent, never the apps below the agent
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      await exited;
    }
    proc = null;
  };
  const destroy = async () => {
    await stopStoker();
    // The log keeper first: while no agent runs it replaces app processes that exit.
    stopKeeper(path.join(dataDir, "agent"));
    for (const pid of appPids(dataDir)) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    if (!opts.db) await db.drop();
  };
  // A stack that never answered has no caller to destroy it: its control plane would outlive the test.
  await start().catch(async (e: unknown) => {
    await destroy();
    throw e;
  });
  return {
    url,
    port,
    dataDir,
    db,
    logs: () => output,
    startPid: () => (proc as ChildProcess | null)?.pid ?? null,
    stopStoker,
    startStoker: start,
    destroy,
  };
}

/** Logs in and returns an API token of the given role (default: the owner's). */
export async function ownerToken(url: string): Promise<string> {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  const cookie = login.headers.get("set-cookie")?.split(";")[0] ?? "";
  const res = await fetch(`${url}/api/v1/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie, "x-stoker-csrf": "1" },
    body: JSON.stringify({ name: "test" }),
  });
  const body = (await res.json()) as { token: string };
  return body.token;
}

/**
 * `call(method, path, body?)` against /api/v1 with a bearer token, answering `{status, body}`
 * (body: the parsed JSON). Getters, because a suite assigns its stack and token in beforeAll.
 */
export function tokenCaller(url: () => string, token: () => string) {
  return async <T = Record<string, unknown>>(method: string, apiPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${url()}/api/v1${apiPath}`, {
      method,
      headers: { authorization: `Bearer ${token()}`, "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
}
