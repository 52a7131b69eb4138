// `stoker agent --help` only prints help, and one state dir has one agent: a second refuses
// with a message naming the first, and leaves its control socket alone.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stopKeeper, waitUntil } from "./support/stack";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-agent-lock-"));
const running: ChildProcess[] = [];
afterAll(async () => {
  for (const p of running) p.kill("SIGTERM");
  await Promise.all(running.map((p) => (p.exitCode !== null || p.signalCode !== null ? null : new Promise((r) => p.once("exit", r)))));
  // The agent's log keeper outlives it by design (it keeps the apps' output): stop it before removing its dir.
  stopKeeper(path.join(dir, "state"));
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

const agentArgs = (...args: string[]) => ["--import", "tsx", "agent/main.ts", ...args];

describe("stoker agent", () => {
  it("--help prints the usage and starts nothing", () => {
    const stateDir = path.join(dir, "help");
    for (const flag of ["--help", "-h", "help"]) {
      const r = spawnSync(process.execPath, agentArgs(flag, "--state-dir", stateDir), { encoding: "utf8", timeout: 20_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain("usage:");
      expect(existsSync(path.join(stateDir, "agent.sock"))).toBe(false);
      expect(existsSync(path.join(stateDir, "agent.lock"))).toBe(false);
    }
  });

  it("refuses a second agent on the same state dir, and the first keeps its control socket", async () => {
    const stateDir = path.join(dir, "state");
    const config = path.join(dir, "apps.json");
    writeFileSync(config, JSON.stringify({ apps: [] }));
    const first = spawn(process.execPath, agentArgs("--config", config, "--state-dir", stateDir, "--socket-dirs", dir), { stdio: "ignore" });
    running.push(first);
    const sock = path.join(stateDir, "agent.sock");
    await waitUntil(async () => existsSync(sock), 20_000, "the first agent's control socket");
    const second = spawnSync(process.execPath, agentArgs("--config", config, "--state-dir", stateDir, "--socket-dirs", dir), { encoding: "utf8", timeout: 20_000 });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`Another agent already runs on the state dir ${stateDir} (pid ${first.pid})`);
    expect(existsSync(sock)).toBe(true);
    const status = spawnSync(process.execPath, agentArgs("ctl", "status", "--state-dir", stateDir), { encoding: "utf8", timeout: 20_000 });
    expect(status.status, status.stderr).toBe(0); // still answering: `ctl` takes no lock
    // Once the first is gone (even killed), the lock is free again.
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    const third = spawn(process.execPath, agentArgs("--config", config, "--state-dir", stateDir, "--socket-dirs", dir), { stdio: "ignore" });
    running.push(third);
    await waitUntil(async () => existsSync(sock) && spawnSync(process.execPath, agentArgs("ctl", "status", "--state-dir", stateDir)).status === 0, 20_000, "the third agent");
    expect(third.exitCode).toBe(null);
  });
});
