// A process that exits at the instant the agent dies (issue 18): its own read ends of its pipes (fds
// 3 and 4) close at its exit, the agent's at its death, and what it wrote last was in no one's hands
// (1 line lost in one run of the 30 s outage test). The log keeper holds copies of every named
// process's pipes while the agent lives (pipe-copies.ts) and reads them when it dies. The instant is
// made here for certain: the agent is stopped (it can read nothing), the process answers a request
// (its numbered "req" line goes into the pipe) and is killed, then the agent is killed.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fastcgiRequest } from "@/agent/fastcgi/client";
import { isAlive } from "@/agent/supervisor/proc-stats";
import { type Agent, CHATTY, killAll, processesWith, runningPids, startAgent, tallyChattyLines } from "@/test/faults/fault-support";
import { RUN_AS } from "@/test/support/fixture-apps";
import { stopKeeper, waitUntil } from "@/test/support/stack";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-exit-with-agent-"));
chmodSync(dir, 0o755);
const stateDir = path.join(dir, "state");
const marker = `STOKER_EXIT_WITH_AGENT=${randomBytes(6).toString("hex")}`;
let agent: Agent | null = null;

afterAll(() => {
  agent?.proc.kill("SIGKILL");
  stopKeeper(stateDir); // first: with no agent, it replaces app processes that exit
  killAll(processesWith(marker).map((p) => p.pid));
  rmSync(dir, { recursive: true, force: true });
});

function keeperLog(): string {
  const file = path.join(stateDir, "keeper.log");
  return existsSync(file) ? readFileSync(file, "utf8") : "(none)";
}

/** The pipe inodes among `pid`'s fds (all of them, or only `fds`). */
function pipesOf(pid: number, fds?: number[]): Set<string> {
  const found = new Set<string>();
  for (const fd of fds ?? readdirSync(`/proc/${pid}/fd`).map(Number)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (link.startsWith("pipe:")) found.add(link);
    } catch {
      // closed meanwhile
    }
  }
  return found;
}

function storedLines(): string[] {
  const logDir = path.join(stateDir, "logs", "chatty");
  if (!existsSync(logDir)) return [];
  return readdirSync(logDir)
    .filter((f) => /^app\.log(\.\d+)?$/.test(f))
    .flatMap((f) => readFileSync(path.join(logDir, f), "latin1").split("\n"));
}

describe("a process that exits as the agent dies", () => {
  it("has what it wrote last stored by the log keeper, which held its pipes", async () => {
    const sock = path.join(dir, "chatty.sock");
    const config = path.join(dir, "apps.json");
    const [key, value] = marker.split("=");
    writeFileSync(config, JSON.stringify({ apps: [{ name: "chatty", command: [process.execPath, CHATTY], env: { [key]: value }, processes: 1, socket: { path: sock }, ...RUN_AS }] }));
    agent = startAgent(config, stateDir, dir);
    const [pid] = await runningPids(stateDir, "chatty", 1).catch((e) => {
      throw new Error(`${e}\n${agent?.output()}`);
    });
    const keeper = Number(/\[keeper (\d+)\] ready/.exec(keeperLog())?.[1] ?? 0);
    expect(isAlive(keeper), keeperLog()).toBe(true);
    // The keeper holds its own read ends of the process's pipes (its fds 3 and 4) while the agent lives.
    const readEnds = pipesOf(pid, [3, 4]);
    expect(readEnds.size).toBe(2);
    await waitUntil(async () => [...readEnds].every((p) => pipesOf(keeper).has(p)), 10_000, `the keeper holds copies of ${[...readEnds].join(", ")}\n${keeperLog()}`);

    // The agent's readiness probe was a request too: its "req" line is stored already.
    const reqLine = new RegExp(`^req ${pid} \\d+ `);
    const reqs = () => storedLines().filter((l) => reqLine.test(l)).length;
    const probed = await waitUntil(async () => reqs() || null, 10_000, "the readiness probe's line stored");
    agent.proc.kill("SIGSTOP"); // from here the agent reads nothing
    const answer = await fastcgiRequest({ path: sock }, { REQUEST_METHOD: "GET", REQUEST_URI: "/last", SCRIPT_NAME: "/last", SERVER_PROTOCOL: "HTTP/1.1" });
    expect(answer.stdout.toString()).toContain(`ok ${pid}`);
    process.kill(pid, "SIGKILL"); // its own read ends close
    await waitUntil(async () => !isAlive(pid), 5000, `${pid} gone`);
    agent.proc.kill("SIGKILL"); // and the agent's
    await new Promise((r) => agent?.proc.once("exit", r));

    // The keeper read the ended pipe to its end: the request's line and every tick before the kill.
    await waitUntil(async () => reqs() === probed + 1 || null, 10_000, `the "req ${pid}" line of the request stored (${reqs()} of ${probed + 1})\n${keeperLog()}`);
    const tally = tallyChattyLines(path.join(stateDir, "logs", "chatty"));
    expect(tally.lost, JSON.stringify(tally)).toBe(0);
    expect(tally.torn, JSON.stringify(tally)).toBe(0);
  }, 60_000);
});
