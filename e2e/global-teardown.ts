// After the browser tests: stop the app processes the agent left running (by design it never
// stops them itself) and remove the test data dir.
import { rmSync } from "node:fs";
import path from "node:path";
import { appPids, stopKeeper } from "../test/support/stack";

export default async function globalTeardown(): Promise<void> {
  const dataDir = process.env.E2E_DATA_DIR;
  if (!dataDir) return;
  await new Promise((r) => setTimeout(r, 500)); // the webServer is stopped first
  // The log keeper first: while no agent runs it replaces app processes that exit, and writes their logs.
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
