// Pty sessions with node-pty: as www-data, in the app's cwd, with the app's env, recorded as
// asciicast v2 with input and output; refused as root; ended by idle timeout and max duration.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPtySession, type PtySession, readRecording } from "./pty-session";
import { makeSpec, removeDir, tempDir } from "./test-support";

let dir: string;
beforeAll(() => {
  dir = tempDir("stoker-pty-");
});
afterAll(() => removeDir(dir));

function open(name: string, extra: { idleTimeoutMs?: number; maxDurationMs?: number } = {}): { session: PtySession; record: string; output: () => string } {
  const record = path.join(dir, `${name}.cast`);
  const spec = makeSpec(dir, { command: ["/usr/bin/perl"], env: { APP_MARK: "from-spec" } });
  const res = openPtySession({ spec, user: "www-data", cols: 100, rows: 30, recordPath: record, ...extra });
  if (!res.ok) throw new Error(res.message);
  let out = "";
  res.value.onData((d) => {
    out += d;
  });
  return { session: res.value, record, output: () => out };
}

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("openPtySession", () => {
  it("runs id and pwd as www-data in the app's cwd and records input and output as asciicast v2", async () => {
    process.env.STOKER_AGENT_SECRET = "agent-only"; // must not leak into the session
    const { session, record, output } = open("id");
    delete process.env.STOKER_AGENT_SECRET;
    session.write("id; pwd; echo mark=$APP_MARK agent=${STOKER_AGENT_SECRET:-unset} term=$TERM\r");
    await waitFor(() => output().includes("term=xterm-256color"));
    session.resize(120, 40);
    session.write("exit\r");
    const exit = await session.exited;
    expect(exit).toEqual({ code: 0, signal: null, reason: "exit" });

    expect(output()).toMatch(/uid=33\(www-data\) gid=33\(www-data\)/);
    expect(output()).toContain(`\r\n${dir}\r\n`);
    expect(output()).toContain("mark=from-spec agent=unset term=xterm-256color");

    const rec = readRecording(record);
    if (!rec.ok) throw new Error(rec.message);
    expect(rec.value.header).toMatchObject({ version: 2, width: 100, height: 30 });
    const kinds = new Set(rec.value.events.map((e) => e[1]));
    expect(kinds).toEqual(new Set(["i", "o", "r"]));
    expect(rec.value.events.find((e) => e[1] === "i")?.[2]).toContain("id; pwd");
    expect(rec.value.events.filter((e) => e[1] === "o").map((e) => e[2]).join("")).toContain("uid=33(www-data)");
    expect(rec.value.events.find((e) => e[1] === "r")?.[2]).toBe("120x40");
    const times = rec.value.events.map((e) => e[0]);
    expect([...times].sort((a, b) => a - b)).toEqual(times); // monotonic
    expect(readFileSync(record, "utf8").split("\n")[0]).toMatch(/^\{"version":2,/);
  });

  it("refuses root unless allowRoot is given", () => {
    const spec = makeSpec(dir, { command: ["/usr/bin/perl"] });
    const res = openPtySession({ spec, user: "root", cols: 80, rows: 24, recordPath: path.join(dir, "root.cast") });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.code).toBe("FORBIDDEN");
  });

  it("ends an idle session", async () => {
    const { session } = open("idle", { idleTimeoutMs: 300 });
    const exit = await session.exited;
    expect(exit.reason).toBe("idle");
  });

  it("ends a session at its maximum duration even while it is used", async () => {
    const { session } = open("max", { idleTimeoutMs: 5000, maxDurationMs: 600 });
    const typing = setInterval(() => session.write("true\r"), 100);
    const exit = await session.exited;
    clearInterval(typing);
    expect(exit.reason).toBe("max-duration");
  });

  it("close() hangs up the shell and reports it", async () => {
    const { session, record } = open("close");
    session.write("sleep 30\r");
    const exit = await session.close();
    expect(exit.reason).toBe("closed");
    expect(readRecording(record).ok).toBe(true);
  });
});
