// An app's schedules: each fires at its cron times (five fields, read by croner) and runs its
// command as the app's user in the app's current release (run-job.ts); every run is kept with its
// exit code, duration and output (run-store.ts). A run whose previous run still goes is skipped
// (and kept as skipped) unless `overlap: true`; a time missed while no agent ran is run once when
// the agent is back with `catchUp: "once"`, or only noted with `"skip"` (the default, as cron does).
import { cronOf, type DesiredApp, type ScheduleRun, type ScheduleSpec, type ScheduleView } from "../../lib/protocol";
import { isoTime } from "../../lib/protocol/iso-time";
import { planLaunch } from "../supervisor/launch-plan";
import { type Clock, wallClock } from "./clock";
import { runJob } from "./run-job";
import { RunStore } from "./run-store";

export type SchedulerContext = {
  appId: string;
  stateDir: string;
  socketDirs: string[];
  /** The app as it runs now: its resolved spec (the current release) and whether it should run. */
  desired(): DesiredApp;
  /** A line in the app's log. */
  note(line: string): void;
  clock?: Clock;
};

export class AppScheduler {
  private readonly store: RunStore;
  private readonly clock: Clock;
  private armed = new Map<string, { spec: ScheduleSpec; next: number; cancel: () => void }>();
  private running = new Map<string, number>();
  /** Schedules armed at least once by this agent: only their first arming looks for missed runs. */
  private seen = new Set<string>();
  private seq = 0;
  private inFlight = new Set<Promise<unknown>>();

  constructor(private ctx: SchedulerContext) {
    this.store = new RunStore(ctx.stateDir, ctx.appId);
    this.clock = ctx.clock ?? wallClock;
  }

  /** Arms what the spec schedules while the app should run; disarms the rest (kept runs stay). */
  sync(): void {
    const d = this.ctx.desired();
    const wanted = d.desired === "running" ? (d.spec.schedules ?? []) : [];
    for (const [name, a] of this.armed) {
      const w = wanted.find((s) => s.name === name);
      if (!w || JSON.stringify(w) !== JSON.stringify(a.spec)) {
        a.cancel();
        this.armed.delete(name);
      }
    }
    this.store.keepOnly((d.spec.schedules ?? []).map((s) => s.name));
    for (const s of wanted) {
      if (this.armed.has(s.name)) continue;
      if (!this.seen.has(s.name)) this.catchUp(s);
      this.seen.add(s.name);
      this.arm(s, this.clock.now());
    }
  }

  stop(): void {
    for (const a of this.armed.values()) a.cancel();
    this.armed.clear();
  }

  /** Resolves once every run started so far has ended and been recorded (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  list(): ScheduleView[] {
    return (this.ctx.desired().spec.schedules ?? []).map((s) => {
      const a = this.armed.get(s.name);
      return {
        name: s.name,
        cron: s.cron,
        command: s.command,
        overlap: s.overlap,
        catchUp: s.catchUp,
        nextRunAt: a ? isoTime(a.next) : null,
        running: (this.running.get(s.name) ?? 0) > 0,
        runs: this.store.runs(s.name),
      };
    });
  }

  private arm(s: ScheduleSpec, after: number): void {
    // A timer may fire a little before the wall clock shows the minute: never the same time twice.
    const next = cronOf(s.cron).nextRun(new Date(after))?.getTime();
    if (next === undefined) return;
    const cancel = this.clock.at(next, () => {
      if (this.armed.get(s.name)?.spec !== s) return;
      this.fire(s, next, "");
      this.arm(s, Math.max(this.clock.now(), next + 1000));
    });
    this.armed.set(s.name, { spec: s, next, cancel });
  }

  /** After downtime: the first time missed since the schedule last fired, run once or noted as skipped. */
  private catchUp(s: ScheduleSpec): void {
    const now = this.clock.now();
    const last = this.store.lastFired(s.name);
    if (last === null) {
      this.store.setFired(s.name, now); // the baseline a later downtime is measured from
      return;
    }
    const missed = cronOf(s.cron).nextRun(new Date(last))?.getTime();
    if (missed === undefined || missed > now) return;
    const when = isoTime(missed);
    if (s.catchUp === "once") this.fire(s, missed, `caught up: the run for ${when} was missed while no agent ran`);
    else {
      this.store.setFired(s.name, now);
      this.record(s, missed, { status: "skipped", note: `missed while no agent ran (catchUp: skip); runs resume at the next time` });
    }
  }

  private record(s: ScheduleSpec, scheduledFor: number, fields: Partial<ScheduleRun>): ScheduleRun {
    const run: ScheduleRun = {
      id: `${scheduledFor}-${++this.seq}`,
      schedule: s.name,
      scheduledFor: isoTime(scheduledFor),
      startedAt: null,
      endedAt: null,
      status: "skipped",
      exitCode: null,
      signal: null,
      durationMs: null,
      pid: 0,
      output: "",
      outputTruncated: false,
      note: "",
      ...fields,
    };
    this.store.put(run);
    return run;
  }

  private fire(s: ScheduleSpec, scheduledFor: number, note: string): void {
    this.store.setFired(s.name, Math.max(scheduledFor, this.store.lastFired(s.name) ?? 0));
    if (!s.overlap && (this.running.get(s.name) ?? 0) > 0) {
      this.record(s, scheduledFor, { status: "skipped", note: "the previous run was still running (overlap: false)" });
      this.ctx.note(`schedule ${s.name}: run for ${isoTime(scheduledFor)} skipped, the previous run still runs`);
      return;
    }
    const d = this.ctx.desired();
    const plan = planLaunch({ ...d.spec, command: s.command, fpm: undefined }, this.ctx.socketDirs, { purpose: "app", rootApproved: d.rootApproved });
    if (!plan.ok) {
      const why = [plan.message, ...(plan.fields ?? []).map((f) => f.message)].join(" ");
      this.record(s, scheduledFor, { status: "not-started", note: why });
      this.ctx.note(`schedule ${s.name}: not started: ${why}`);
      return;
    }
    const started = this.clock.now();
    const job = runJob(plan.value, s.timeoutS * 1000);
    const run = this.record(s, scheduledFor, { status: "running", startedAt: isoTime(started), pid: job.pid, note });
    this.running.set(s.name, (this.running.get(s.name) ?? 0) + 1);
    const done = job.done.then((r) => {
      this.running.set(s.name, (this.running.get(s.name) ?? 1) - 1);
      const ended = this.clock.now();
      const status = r.error ? "not-started" : r.timedOut ? "timed-out" : r.exitCode === 0 ? "succeeded" : "failed";
      this.store.put({
        ...run,
        status,
        endedAt: isoTime(ended),
        durationMs: ended - started,
        exitCode: r.exitCode,
        signal: r.signal,
        output: r.output,
        outputTruncated: r.truncated,
        note: r.error ?? (r.timedOut ? `stopped after timeoutS (${s.timeoutS} s)` : run.note),
      });
      const how = r.error ?? (r.signal ? `signal ${r.signal}` : `exit code ${r.exitCode}`);
      this.ctx.note(`schedule ${s.name}: run for ${run.scheduledFor} ${status} (${how}) in ${ended - started} ms`);
    });
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }
}
