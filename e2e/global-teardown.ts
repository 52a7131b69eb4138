// After the browser tests: stop the stack, then the app processes the agent left running (by design
// it never stops them itself), and remove the test data dir. Playwright stops its webServer only
// after this teardown, so the stack is stopped here first: with the agent still running, the apps
// and the log keeper killed below were started again, and outlived the run.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { appPids, stopKeeper } from "../test/support/stack";

/** npm start's processes (start.mjs, the control plane, the agent) for this data dir: their environment names it. */
function stackPids(dataDir: string): number[] {
  const mark = `STOKER_DATA_DIR=${dataDir}`;
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").split("\0").includes(mark)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

export default async function globalTeardown(): Promise<void> {
  const dataDir = process.env.E2E_DATA_DIR;
  if (!dataDir) return;
  const stack = stackPids(dataDir);
  signal(stack, "SIGTERM");
  for (let i = 0; i < 150 && stack.some(alive); i++) await new Promise((r) => setTimeout(r, 200));
  signal(stack.filter(alive), "SIGKILL");
  // The log keeper next: while no agent runs it replaces app processes that exit, and writes their logs.
  stopKeeper(path.join(dataDir, "agent"));
  for (const pid of appPids(dataDir)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await new Promise((r) => setTimeout(r, 300)); // let the killed processes go before removing their files
  rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}
