// The kernel's grouping of an app's processes: a tree holds everything its leader forks, even a
// grandchild that starts its own session; the session fallback finds what stays in the session.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppCgroup, ProcessTree, trackingKind } from "./app-cgroup";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-cgroup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(fn: () => T | null, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = fn();
    if (v) return v;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// The leader forks a child that starts its own session (as a daemonizing worker would) and one that stays.
const FORKER = "sleep 60 & setsid sleep 61 & wait";

describe("AppCgroup", () => {
  it("tracks a leader's descendants, even one that calls setsid, signals them all and removes the groups", async () => {
    expect(process.getuid?.()).toBe(0); // these machines run tests as root; cgroups are writable
    expect(trackingKind()).not.toBe("session");
    const group = new AppCgroup(path.join(dir, "state"), "forker");
    const { child, tree: made } = group.spawnInto(() => spawn("/bin/sh", ["-c", FORKER], { detached: true, stdio: "ignore" }));
    const tree = made!;
    expect(tree.kind).not.toBe("session");
    // The agent itself went back to where it was.
    expect(readFileSync("/proc/self/cgroup", "utf8")).not.toContain("stoker-");
    const pids = await until(() => (tree.pids().length === 3 ? tree.pids() : null), "3 processes in the tree");
    expect(pids).toContain(child.pid);
    expect(group.pids().sort()).toEqual(pids.sort());
    expect(tree.usage().pids).toBe(3);
    expect(tree.remove()).toBe(false); // not while it has members
    expect(tree.signal("SIGKILL")).toBe(3);
    await until(() => (tree.pids().length === 0 ? true : null), "an empty tree");
    expect(group.remove()).toBe(true);
    expect(new AppCgroup(path.join(dir, "state"), "forker").trees()).toEqual([]);
  });

  it("finds a live process's tree again (after an agent restart) from /proc/PID/cgroup", async () => {
    const group = new AppCgroup(path.join(dir, "state"), "again");
    const { child, tree } = group.spawnInto(() => spawn("/bin/sh", ["-c", FORKER], { detached: true, stdio: "ignore" }));
    await until(() => (tree!.pids().length === 3 ? true : null), "3 processes");
    const found = new AppCgroup(path.join(dir, "state"), "again").find(child.pid!);
    expect(found.pids().sort()).toEqual(tree!.pids().sort());
    found.signal("SIGKILL");
    await until(() => (found.pids().length === 0 ? true : null), "an empty tree");
    expect(group.remove()).toBe(true);
  });

  it("falls back to the leader's session without cgroups: what stays in the session is found", async () => {
    const child = spawn("/bin/sh", ["-c", FORKER], { detached: true, stdio: "ignore" });
    const tree = new ProcessTree(child.pid!, []);
    expect(tree.kind).toBe("session");
    // The setsid'd sleep has left the session: only the shell and the first sleep remain findable.
    const pids = await until(() => (tree.pids().length === 2 ? tree.pids() : null), "2 processes in the session");
    expect(pids).toContain(child.pid);
    const children = await until(() => {
      const c = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").split(" ").filter(Boolean).map(Number);
      return c.length === 2 ? c : null;
    }, "the shell's 2 children");
    const escaped = children.filter((p) => !pids.includes(p));
    expect(escaped).toHaveLength(1); // only a cgroup catches this one
    expect(tree.signal("SIGKILL")).toBe(2);
    process.kill(escaped[0]!, "SIGKILL");
  });
});
