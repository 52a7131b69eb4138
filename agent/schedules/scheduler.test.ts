// The scheduler on a fake clock with real processes: a day of cron in milliseconds.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppSpecSchema, type DesiredApp } from "../../lib/protocol";
import type { Clock } from "./clock";
import { AppScheduler } from "./scheduler";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-sched-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

class FakeClock implements Clock {
  private timers: { at: number; fn: () => void }[] = [];
  constructor(public t: number) {}
  now = () => this.t;
  at = (at: number, fn: () => void) => {
    const e = { at, fn };
    this.timers.push(e);
    return () => {
      this.timers = this.timers.filter((x) => x !== e);
    };
  };
  /** Moves to `t`, firing every timer due on the way, in order. */
  advanceTo(t: number): void {
    for (;;) {
      const due = this.timers.filter((x) => x.at <= t).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = t;
  }
}

const T0 = Date.parse("2026-12-05T10:00:30Z");
const min = (m: number) => T0 + m * 60_000;

function scheduler(schedules: unknown[], clock: FakeClock, stateDir = path.join(dir, `state-${++n}`)) {
  const spec = AppSpecSchema.parse({
    name: "app",
    hostId: "h",
    command: ["/bin/true"],
    cwd: dir,
    socket: { path: path.join(dir, "app.sock") },
    ...(process.getuid?.() === 0 ? { user: "root" } : {}),
    schedules,
  });
  const desired: DesiredApp = { appId: "app", revision: 1, desired: "running", spec, rootApproved: true };
  const notes: string[] = [];
  const s = new AppScheduler({ appId: "app", stateDir, socketDirs: [dir], desired: () => desired, note: (l) => notes.push(l), clock });
  s.sync();
  return { s, notes, stateDir };
}

describe("schedules", () => {
  it("runs * * * * * once a minute in the app's cwd, keeping exit code, duration and output", async () => {
    const clock = new FakeClock(T0);
    const { s } = scheduler([{ name: "tick", cron: "* * * * *", command: ["/bin/sh", "-c", "pwd; echo oops >&2; exit 3"] }], clock);
    expect(s.list()[0].nextRunAt).toBe("2026-12-05T10:01:00.000Z");
    for (const m of [1, 2, 3]) {
      clock.advanceTo(min(m));
      await s.settled();
    }
    const runs = s.list()[0].runs;
    expect(runs.map((r) => r.scheduledFor)).toEqual(["2026-12-05T10:03:00.000Z", "2026-12-05T10:02:00.000Z", "2026-12-05T10:01:00.000Z"]);
    for (const r of runs) {
      expect(r.status).toBe("failed");
      expect(r.exitCode).toBe(3);
      expect(r.output).toBe(`${dir}\noops\n`);
      expect(r.durationMs).not.toBeNull();
    }
  });

  it("skips a run while the previous one still runs, unless overlap is allowed", async () => {
    const done = path.join(dir, `done-${++n}`);
    const wait = ["/bin/sh", "-c", `while [ ! -f ${done} ]; do sleep 0.02; done; echo finished`];
    const clock = new FakeClock(T0);
    const { s } = scheduler([{ name: "long", cron: "* * * * *", command: wait }, { name: "both", cron: "* * * * *", command: wait, overlap: true }], clock);
    clock.advanceTo(min(1)); // 10:01 starts a run
    clock.advanceTo(min(2)); // 10:02: the first still runs
    const [long, both] = s.list();
    expect(long.runs.map((r) => r.status)).toEqual(["skipped", "running"]);
    expect(long.runs[0].note).toContain("still running");
    expect(both.runs.map((r) => r.status)).toEqual(["running", "running"]);
    expect(new Set(both.runs.map((r) => r.pid)).size).toBe(2);
    writeFileSync(done, "");
    await s.settled();
    const first = s.list()[0].runs[1];
    expect(first.status).toBe("succeeded");
    expect(first.output).toBe("finished\n");
    expect(first.durationMs).toBeGreaterThanOrEqual(60_000); // it outlasted its minute (fake clock)
    clock.advanceTo(min(3));
    await s.settled();
    expect(s.list()[0].runs[0].status).toBe("succeeded"); // free again: the next minute runs
  });

  it("after downtime runs a missed time once with catchUp once, and only notes it with skip", async () => {
    const clock = new FakeClock(T0);
    const every5 = (catchUp: string) => ({ name: "rollup", cron: "*/5 * * * *", command: ["/bin/echo", "rolled up"], catchUp });
    const once = scheduler([every5("once")], clock);
    const skip = scheduler([every5("skip")], clock);
    once.s.stop();
    skip.s.stop(); // the agent goes away at 10:00:30; back at 10:17:30 (10:05, 10:10, 10:15 missed)
    const later = new FakeClock(min(17));
    const onceBack = scheduler([every5("once")], later, once.stateDir);
    const skipBack = scheduler([every5("skip")], later, skip.stateDir);
    await onceBack.s.settled();
    const caught = onceBack.s.list()[0].runs;
    expect(caught.map((r) => [r.status, r.scheduledFor])).toEqual([["succeeded", "2026-12-05T10:05:00.000Z"]]);
    expect(caught[0].note).toContain("caught up");
    expect(skipBack.s.list()[0].runs.map((r) => r.status)).toEqual(["skipped"]);
    // Either way the next time is the next one after now, not a missed one.
    expect(onceBack.s.list()[0].nextRunAt).toBe("2026-12-05T10:20:00.000Z");
    later.advanceTo(min(20));
    await skipBack.s.settled();
    expect(skipBack.s.list()[0].runs.map((r) => r.status)).toEqual(["succeeded", "skipped"]);
  });

  it("refuses six-field and malformed cron expressions with a message", () => {
    for (const cron of ["*/5 * * * * *", "61 * * * *", "* * *", "* * * * * ; rm -rf /"]) {
      expect(AppSpecSchema.shape.schedules.safeParse([{ name: "x", cron, command: ["/bin/true"] }]).success, cron).toBe(false);
    }
  });

  it("says a wrong field count once, without croner's 'five, six, or seven'", () => {
    const r = AppSpecSchema.shape.schedules.safeParse([{ name: "x", cron: "*/5 * * *", command: ["/bin/true"] }]);
    expect(r.error?.issues.map((i) => i.message)).toEqual(["Use five fields: minute hour day-of-month month day-of-week (e.g. */5 * * * *)."]);
  });

  it("refuses a cron expression that never matches a date, and keeps February 29th", () => {
    for (const cron of ["0 0 30 2 *", "0 0 31 4 *"]) {
      const r = AppSpecSchema.shape.schedules.safeParse([{ name: "x", cron, command: ["/bin/true"] }]);
      expect(r.success, cron).toBe(false);
      expect(r.error?.issues[0].message, cron).toMatch(/never run/);
    }
    expect(AppSpecSchema.shape.schedules.safeParse([{ name: "x", cron: "0 0 29 2 *", command: ["/bin/true"] }]).success).toBe(true);
  });
});
