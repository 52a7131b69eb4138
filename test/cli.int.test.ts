// The `stoker` CLI against a running stack: login, tables and --json, restart, logs, audit, the
// process timeline (and the events route's contract), errors.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, type Stack, startStack, waitUntil } from "./support/stack";

let stack: Stack;
const home = mkdtempSync(path.join(tmpdir(), "stoker-cli-"));

function stoker(...args: string[]) {
  const r = spawnSync(process.execPath, ["bin/stoker.mjs", ...args], { env: { ...process.env, XDG_CONFIG_HOME: home, STOKER_URL: "", STOKER_TOKEN: "" }, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  stack = await startStack();
}, 180_000);

afterAll(async () => {
  await stack?.destroy();
  rmSync(home, { recursive: true, force: true });
});

describe("stoker CLI", () => {
  it("refuses to work before login, with a hint", () => {
    const r = stoker("apps");
    expect(r.code).toBe(1);
    expect(r.err).toContain("stoker login URL");
  });

  it("logs in with email and password and stores a token file readable only by its owner", () => {
    const r = stoker("login", stack.url, "--email", ADMIN.email, "--password", ADMIN.password);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`as ${ADMIN.email} (owner)`);
    expect(statSync(path.join(home, "stoker", "config.json")).mode & 0o777).toBe(0o600);
  });

  it("lists hosts and apps as tables and as JSON", async () => {
    await waitUntil(async () => {
      const apps = JSON.parse(stoker("apps", "--json").out) as { processes: { state: string }[] }[];
      return apps[0]?.processes.length === 2 && apps[0].processes.every((p) => p.state === "RUNNING");
    }, 30_000);
    expect(stoker("hosts").out).toMatch(/local\s+online/);
    expect(stoker("apps").out).toMatch(/demo\s+local\s+1\s+2\s+RUNNING/); // revision 1, 2 processes
  });

  it("restarts an app by name and prints the new pids; exit 0", () => {
    const before = (JSON.parse(stoker("apps", "--json").out) as { processes: { pid: number }[] }[])[0].processes.map((p) => p.pid);
    const r = stoker("restart", "demo", "--json");
    expect(r.code, r.err).toBe(0);
    const after = (JSON.parse(r.out) as { processes: { pid: number }[] }).processes.map((p) => p.pid);
    expect(after).toHaveLength(2);
    for (const pid of after) expect(before).not.toContain(pid);
  });

  it("prints log history and the audit trail", () => {
    expect(stoker("logs", "demo", "-n", "20").out).toContain("listening on fd 0");
    const audit = stoker("audit", "--json", "--action", "app.restart").out.trim().split("\n").map((l) => JSON.parse(l) as { action: string; actor: { label: string } });
    expect(audit[0].action).toBe("app.restart");
    expect(audit[0].actor.label).toContain("token cli@");
  });

  it("shows the process timeline newest first, paged: a killed process's exit with its signal and last output, then its restart", async () => {
    type Page = { events: { ts: string; kind: string; pid: number; detail: string }[]; nextCursor: string | null };
    const events = (...args: string[]) => JSON.parse(stoker("events", "demo", "--json", ...args).out) as Page;
    const victim = (JSON.parse(stoker("apps", "--json").out) as { processes: { pid: number }[] }[])[0].processes[0].pid;
    process.kill(victim, "SIGKILL");
    const page = await waitUntil(async () => {
      const p = events();
      const exit = p.events.findIndex((e) => e.kind === "exit" && e.pid === victim);
      return exit > 0 && p.events.slice(0, exit).some((e) => e.kind === "restart") ? p : null;
    }, 30_000, "the exit and the restart in the timeline");
    // The contract: {"events": [{ts, kind, pid, detail}], "nextCursor"}, newest first.
    expect(Object.keys(page).sort()).toEqual(["events", "nextCursor"]);
    for (const e of page.events) expect(Object.keys(e).sort()).toEqual(["detail", "kind", "pid", "ts"]);
    const times = page.events.map((e) => Date.parse(e.ts));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const exit = page.events.find((e) => e.kind === "exit" && e.pid === victim);
    expect(exit?.detail).toMatch(/SIGKILL/);
    expect(exit?.detail).toMatch(/last output:\n[\s\S]*listening on fd 0/);
    const restart = page.events.find((e) => e.kind === "restart");
    expect(restart?.pid).not.toBe(victim);
    // Paged: the next page starts where the first ended.
    const first = events("-n", "1");
    expect(first.events).toHaveLength(1);
    expect(typeof first.nextCursor).toBe("string");
    const second = events("-n", "1", "--cursor", String(first.nextCursor));
    expect(second.events).toHaveLength(1);
    expect(second.events[0]).not.toEqual(first.events[0]);
    expect(Date.parse(second.events[0].ts)).toBeLessThanOrEqual(Date.parse(first.events[0].ts));
    // And as a table.
    const table = stoker("events", "demo");
    expect(table.code, table.err).toBe(0);
    expect(table.out).toMatch(/TIME\s+EVENT\s+PID\s+DETAIL/);
    expect(table.out).toMatch(new RegExp(`exited\\s+${victim}\\s+.*SIGKILL`));
  });

  it("fails with exit 1 and a clear message for an unknown app", () => {
    const r = stoker("restart", "nope");
    expect(r.code).toBe(1);
    expect(r.err).toContain('No app named "nope"');
  });
});
