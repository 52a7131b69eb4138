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
    const child = spawn("/bin/sh", ["-c", FORKER], { detached: true, stdio: "ignore" });
    const tree = group.track(child.pid!);
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
