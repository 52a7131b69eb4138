// A command that cannot start (missing binary, removed by a deploy, or an admin's typo) must not end
// the agent, which supervises every app on its host. A failed spawn's retry read the slot's process
// after its exit had cleared it: an unhandled rejection in the backoff timer killed the agent, and
// since the app was adopted again at each start, the agent crash-looped (found through `npm start`).
import { afterAll, describe, expect, it } from "vitest";
import type { LogSink } from "@/agent/logs/log-sink";
import { ProcessSlot } from "@/agent/supervisor/process-slot";
import { spawnProcess } from "@/agent/supervisor/spawn-process";
import { AppSpecSchema } from "@/lib/protocol";
import { Tally } from "./tally";

const tally = new Tally("agent survives an app that cannot start");
afterAll(() => tally.report());

describe("a command that does not exist", () => {
  it("is retried with backoff and given up on, and the agent process never sees an unhandled rejection", async () => {
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => rejections.push(e);
    process.on("unhandledRejection", onRejection);
    const notes: string[] = [];
    const sink = { note: (t: string) => notes.push(t) } as unknown as LogSink;
    const spec = AppSpecSchema.parse({
      name: "missing",
      hostId: "h1",
      command: ["/nonexistent/stoker-probe-binary"],
      user: "nobody",
      processes: 1,
      socket: { path: "/run/stoker/missing.sock" },
      restart: { policy: "always", backoffMs: 50, maxBackoffMs: 100, maxRestarts: 3, windowMs: 60_000 },
    });
    const states: string[] = [];
    const slot = new ProcessSlot(0, 1, spec, sink, {
      spawn: () => spawnProcess({ file: spec.command[0], args: [], cwd: "/", env: {}, userName: "root" }, null, sink),
      ready: async () => null,
      transition: (_s, _from, to) => states.push(to),
    });
    const first = await slot.start();
    expect(first).toMatch(/ENOENT|cannot start/);
    const deadline = Date.now() + 20_000;
    while (slot.state !== "FATAL" && rejections.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    process.off("unhandledRejection", onRejection);
    await tally.attack("start and retries of a missing command", () => rejections.length === 0 || `unhandled rejection: ${String(rejections[0])}`);
    await tally.attack("the slot gives up (FATAL) instead of crashing", () => slot.state === "FATAL" || `state ${slot.state} after ${states.join(" -> ")}`);
    tally.expectAllRefused(2);
  }, 30_000);
});
