import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { LogSink } from "../logs/log-sink";
import { spawnProcess } from "./spawn-process";

const openFds = () => readdirSync("/proc/self/fd").length;

describe("spawnProcess", () => {
  it("turns an exec the kernel refuses (E2BIG) into an error text, and leaks no pipe", async () => {
    // Past ARG_MAX on purpose: validation refuses such specs, but the agent's own additions could still tip one over.
    const env = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`V${i}`, "x".repeat(1024)]));
    const plan = { file: "/bin/true", args: [], cwd: "/", env, userName: "root" };
    const before = openFds();
    for (let i = 0; i < 5; i++) {
      const proc = spawnProcess(plan, null, {} as LogSink); // the sink is never reached: no process, no output
      expect(proc.pid).toBe(0);
      await proc.exited;
      expect(proc.error).toMatch(/E2BIG/);
    }
    expect(openFds()).toBe(before);
  });
});
