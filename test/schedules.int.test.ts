// A schedule on the real clock: `* * * * *` run by the agent's Supervisor at the next minute, as the
// app's user in its cwd, the run kept with exit code, duration and output. (Overlap and catch-up
// are proven on a fake clock with real processes in agent/schedules/scheduler.test.ts.)
import { mkdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { AppSpecSchema, type DesiredApp, SchedulesReplySchema } from "@/lib/protocol";
import { appSpecFor } from "./support/fixture-apps";
import { scratchPerTest } from "./support/scratch";
import { waitUntil } from "./support/stack";

const { dir, cleanups } = scratchPerTest("stoker-schedules-");

describe("schedules on the real clock", () => {
  it("runs * * * * * at the next minute as the app's user in its cwd, with its output kept", async () => {
    const cwd = path.join(dir, "release");
    mkdirSync(cwd, { mode: 0o755 });
    const spec = AppSpecSchema.parse({
      ...appSpecFor("node", path.join(dir, "s.sock")),
      name: "sched",
      user: "www-data",
      cwd,
      schedules: [{ name: "tick", cron: "* * * * *", command: ["/bin/sh", "-c", 'echo "tick as $(id -un) in $(pwd)"'] }],
    });
    const app: DesiredApp = { appId: spec.name, revision: 1, desired: "running", spec, rootApproved: false };
    const supervisor = new Supervisor({ stateDir: path.join(dir, "state"), socketDirs: [dir], metrics: false });
    cleanups.push(async () => {
      await supervisor.execute({ op: "app.remove", appId: app.appId });
    });
    const put = await supervisor.put(app);
    expect(put.ok, JSON.stringify(put)).toBe(true);
    const list = async () => {
      const r = await supervisor.execute({ op: "schedules.list", appId: app.appId });
      return SchedulesReplySchema.parse(r.ok ? r.value : null).schedules[0];
    };
    const first = await list();
    const next = Date.parse(first.nextRunAt ?? "");
    expect(next % 60_000).toBe(0);
    expect(next - Date.now()).toBeLessThanOrEqual(60_000);
    expect(first.runs).toEqual([]);

    const done = await waitUntil(async () => {
      const s = await list();
      return s.runs.find((r) => r.status !== "running") ?? null;
    }, 70_000, "the first run to end");
    expect(done.status).toBe("succeeded");
    expect(done.scheduledFor).toBe(new Date(next).toISOString());
    expect(done.exitCode).toBe(0);
    expect(done.output).toBe(`tick as www-data in ${cwd}\n`);
    expect(Date.parse(done.startedAt ?? "") - next).toBeLessThan(5000);
    expect(done.durationMs).toBeGreaterThanOrEqual(0);
    expect(done.durationMs).toBeLessThan(5000);
    const after = await list();
    expect(after.runs).toHaveLength(1); // once in that minute
    expect(Date.parse(after.nextRunAt ?? "")).toBe(next + 60_000);
  }, 80_000);
});
