// Empty `stoker-*` groups left by SIGKILLed agents and removed apps are swept at agent start, in
// every hierarchy; a group with a live process in it, and a young group of another agent, are kept.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppCgroup, agentGroup, hierarchies } from "./app-cgroup";
import { sweepEmptyGroups } from "./cgroup-sweep";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-sweep-"));
const started: number[] = [];
afterAll(() => {
  for (const pid of started) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("sweepEmptyGroups", () => {
  it("removes a dead agent's empty groups in every hierarchy, keeps a live process's group and another agent's young one", async () => {
    const hs = hierarchies();
    expect(hs.length).toBeGreaterThan(0); // tests run as root: cgroups are writable here
    const mine = path.join(dir, "me");
    const dead = path.join(dir, "dead");
    const young = path.join(dir, "young");
    // An agent SIGKILLed after its app's process ended: app group and an empty tree in each hierarchy.
    const deadApp = new AppCgroup(dead, "gone");
    const { tree: deadTree } = deadApp.spawnInto(() => spawn("/bin/true", { stdio: "ignore" }));
    for (let i = 0; i < 100 && deadTree!.pids().length; i++) await new Promise((r) => setTimeout(r, 20));
    // This agent's own app: one empty leftover tree beside one with a live process (to adopt).
    const live = new AppCgroup(mine, "web");
    const { child } = live.spawnInto(() => spawn("sleep", ["60"], { detached: true, stdio: "ignore" }));
    started.push(child.pid!);
    const ownEmpty = hs.map((h) => path.join(h.base, agentGroup(mine), "web", "leftover"));
    for (const d of ownEmpty) mkdirSync(d);
    // Another (live) agent's group, just made.
    const youngGroups = hs.map((h) => path.join(h.base, agentGroup(young), "app"));
    for (const d of youngGroups) mkdirSync(d, { recursive: true });

    // At the present time the dead agent's groups are under a minute old and kept; two minutes on they go.
    sweepEmptyGroups(mine);
    for (const h of hs) expect(existsSync(path.join(h.base, agentGroup(dead)))).toBe(true); // under a minute old
    for (const d of ownEmpty) expect(existsSync(d)).toBe(false); // its own: at once
    sweepEmptyGroups(mine, Date.now() + 120_000);
    for (const h of hs) expect(existsSync(path.join(h.base, agentGroup(dead)))).toBe(false);
    expect(live.pids()).toEqual([child.pid]);
    for (const h of hs) expect(existsSync(path.join(h.base, agentGroup(mine), "web"))).toBe(true);

    // Another agent's group made just now is kept at the present time.
    for (const d of youngGroups) mkdirSync(d, { recursive: true });
    sweepEmptyGroups(mine);
    for (const d of youngGroups) expect(existsSync(d)).toBe(true);

    process.kill(child.pid!, "SIGKILL");
    for (let i = 0; i < 100 && live.pids().length; i++) await new Promise((r) => setTimeout(r, 20));
    sweepEmptyGroups(mine, Date.now() + 120_000);
    for (const h of hs) {
      expect(existsSync(path.join(h.base, agentGroup(mine)))).toBe(false);
      expect(existsSync(path.join(h.base, agentGroup(young)))).toBe(false);
    }
  });
});
