// What the fault tests measure, shared: a standalone agent to kill and restart, the chatty fixture's
// numbered lines read back from the stored log (lines lost, duplicated, torn), and the processes a
// fault may leave behind (stopped, orphaned).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { callLocalControl } from "../../agent/link/local-control";
import { waitUntil } from "../support/stack";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const CHATTY = path.join(ROOT, "test/fixtures/chatty.mjs");

export type Agent = { proc: ChildProcess; output: () => string };

/** `stoker agent --config FILE` from source, as a separate process the test can SIGKILL. */
export function startAgent(config: string, stateDir: string, socketDir: string): Agent {
  let output = "";
  const proc = spawn(process.execPath, ["--import", "tsx", "agent/main.ts", "--config", config, "--state-dir", stateDir, "--socket-dirs", socketDir], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout?.on("data", (d) => (output += d));
  proc.stderr?.on("data", (d) => (output += d));
  return { proc, output: () => output };
}

type Status = { ok: boolean; value?: { appId: string; processes: { pid: number; state: string }[] }[] };

/**
 * The agent's view over its local control socket, or null while it does not answer. Asked in this
 * process (never spawnSync: that would stop the test's own load loops while it waits).
 */
export async function agentStatus(stateDir: string): Promise<Status["value"] | null> {
  try {
    const reply = (await callLocalControl(path.join(stateDir, "agent.sock"), { op: "status" })) as Status;
    return reply.ok ? (reply.value ?? null) : null;
  } catch {
    return null;
  }
}

export async function runningPids(stateDir: string, appId: string, count: number, timeoutMs = 30_000): Promise<number[]> {
  return waitUntil(
    async () => {
      const app = (await agentStatus(stateDir))?.find((a) => a.appId === appId);
      const running = app?.processes.filter((p) => p.state === "RUNNING" && p.pid > 0) ?? [];
      return running.length === count ? running.map((p) => p.pid).sort((a, b) => a - b) : null;
    },
    timeoutMs,
    `${count} RUNNING processes of ${appId}`,
  );
}

/** perPid: lines stored per process; highest: the highest line number stored (how far its writer got). */
export type LineTally = { lines: number; lost: number; duplicated: number; torn: number; perPid: Record<number, number>; highest: Record<number, number> };

/** Reads every stored line of the chatty fixture and checks each process's numbers run 0, 1, 2… with no gap. */
export function tallyChattyLines(logDir: string): LineTally {
  const files = readdirSync(logDir).filter((f) => /^app\.log(\.\d+)?$/.test(f));
  const seen = new Map<number, Set<number>>();
  const tally: LineTally = { lines: 0, lost: 0, duplicated: 0, torn: 0, perPid: {}, highest: {} };
  for (const f of files) {
    for (const line of readFileSync(path.join(logDir, f), "latin1").split("\n").slice(0, -1)) {
      if (line.startsWith("[stoker]")) continue;
      const m = /^(tick|req) (\d+) (\d+) p{150}$/.exec(line);
      if (!m) {
        tally.torn++;
        continue;
      }
      const pid = Number(m[2]);
      const n = Number(m[3]);
      const set = seen.get(pid) ?? new Set<number>();
      seen.set(pid, set);
      if (set.has(n)) tally.duplicated++;
      set.add(n);
      tally.lines++;
    }
  }
  for (const [pid, set] of seen) {
    // Numbers missing between the lowest and highest stored (rotation may have dropped older files whole).
    let min = Number.POSITIVE_INFINITY;
    let max = -1;
    for (const n of set) {
      if (n < min) min = n;
      if (n > max) max = n;
    }
    tally.lost += max - min + 1 - set.size;
    tally.perPid[pid] = set.size;
    tally.highest[pid] = max;
  }
  return tally;
}

/** Processes carrying `marker` in their environment (or, with `where: "cmdline"`, their arguments). */
export function processesWith(marker: string, where: "environ" | "cmdline" = "environ"): { pid: number; state: string }[] {
  const found: { pid: number; state: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/${where}`, "latin1").includes(marker)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      found.push({ pid: Number(entry), state: stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

export function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Direct children of `pid` with their command lines. */
export function childrenOf(pid: number): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, "latin1").replaceAll("\0", " ") });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * Every process holding a listening Unix socket of the app at `socketPath` (`ss -xlp`), with its
 * state letter. A restart binds a new generation at a staged path (`.name.gN`) and renames it into
 * place, and ss shows the path a socket was bound at, so staged names count too.
 */
export function holdersOf(socketPath: string): { pid: number; state: string }[] {
  const r = spawnSync("ss", ["-xlpH"], { encoding: "utf8" });
  const staged = new RegExp(`^${escapeRegExp(path.join(path.dirname(socketPath), `.${path.basename(socketPath)}.g`))}\\d+$`);
  const pids = new Set<number>();
  for (const line of (r.stdout ?? "").split("\n")) {
    const local = line.trim().split(/\s+/)[4] ?? "";
    if (local !== socketPath && !staged.test(local)) continue;
    for (const m of line.matchAll(/pid=(\d+)/g)) pids.add(Number(m[1]));
  }
  return [...pids].map((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
      return { pid, state: stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] };
    } catch {
      return { pid, state: "gone" };
    }
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
