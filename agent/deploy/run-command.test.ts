import { describe, expect, it } from "vitest";
import { describeFailure, describeFsError, runCommand } from "./run-command";

const env = { PATH: "/usr/bin:/bin" };

describe("runCommand", () => {
  it("streams output live and keeps it for the record", async () => {
    const chunks: string[] = [];
    const r = await runCommand(["/bin/echo", "hello; rm -rf /"], { cwd: "/", env, timeoutMs: 5000, onOutput: (c) => chunks.push(c) });
    expect(r.ok).toBe(true);
    expect(r.output).toBe("hello; rm -rf /\n"); // argv, not a shell: the ; is just text
    expect(chunks.join("")).toBe(r.output);
  });

  it("kills a command that outlives its timeout, with what it forked", async () => {
    const started = Date.now();
    const r = await runCommand(["/bin/sleep", "30"], { cwd: "/", env, timeoutMs: 200 });
    expect(r.timedOut).toBe(true);
    expect(r.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(describeFailure("Sleeping", r)).toBe("Sleeping took too long and was stopped.");
  });

  it("reports a missing program and a failing exit code in words", async () => {
    const missing = await runCommand(["/no/such/program"], { cwd: "/", env, timeoutMs: 5000 });
    expect(missing.spawnError).toBe("ENOENT");
    expect(describeFailure("The build", missing)).toBe("The build could not be started (ENOENT).");
    const failing = await runCommand(["/bin/false"], { cwd: "/", env, timeoutMs: 5000 });
    expect(describeFailure("The build", failing)).toBe("The build failed with exit code 1.");
  });

  it("names a full disk, from output or from a filesystem error", () => {
    const r = { ok: false, code: 2, signal: null, timedOut: false, spawnError: null, output: "tar: x: Cannot write: No space left on device\n" };
    expect(describeFailure("Unpacking", r)).toMatch(/disk is full/);
    expect(describeFsError("Switching current", Object.assign(new Error("x"), { code: "ENOSPC" }))).toMatch(/disk is full/);
  });
});
