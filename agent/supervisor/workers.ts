// An app's workers: commands without a socket (queue workers and the like) run beside its FastCGI
// processes, each instance in a ProcessSlot of its own, so they get the same restart policy
// (backoff, FATAL, recycle on a clean exit), the same log files, cgroup and event timeline. A
// worker is ready once it has lived through its start window (supervisord's startsecs).
import { type AppSpec, type DesiredApp, eventKindOf, type ProcessTransition, type WorkerSpec, type WorkerStatus } from "../../lib/protocol";
import { isoNow } from "../../lib/protocol/iso-time";
import type { LogSink } from "../logs/log-sink";
import type { AppCgroup } from "./app-cgroup";
import { type LaunchPlan, planLaunch } from "./launch-plan";
import { ProcessSlot } from "./process-slot";
import { adoptProcess, type OsProcess, spawnProcess } from "./spawn-process";

/** Worker instances are numbered from here in the timeline's `slot`, apart from the FastCGI slots. */
export const WORKER_SLOT_BASE = 1000;
/** A worker alive this long after its start is ready; dying before is a failed start (backoff). */
export const WORKER_START_WINDOW_MS = 1000;

export type SavedWorker = { name: string; index: number; pid: number; startTicks: number; startedAt: string; restarts: number };

export type WorkerContext = {
  appId: string;
  sink: LogSink;
  cgroup: AppCgroup;
  socketDirs: string[];
  transition(t: ProcessTransition): void;
  changed(): void;
  persist(): void;
  outputOf(pid: number): string;
};

type Instance = { worker: WorkerSpec; index: number; slot: ProcessSlot; key: string };

/** What a worker is started with: a change in any of it restarts the worker. */
function workerKey(spec: AppSpec, w: WorkerSpec): string {
  const { cwd, env, user, group, restart, stop } = spec;
  return JSON.stringify({ w, cwd, env, user, group, restart, stop });
}

function workerSpec(spec: AppSpec, w: WorkerSpec): AppSpec {
  // The worker runs like the app (user, cwd, env) with its own command; the socket is the app's,
  // only so the plan's checks hold: a worker is never given it.
  return { ...spec, command: w.command, fpm: undefined };
}

export class AppWorkers {
  private instances: Instance[] = [];
  private slotNumbers = new Map<string, number>();

  constructor(private ctx: WorkerContext) {}

  private slotNumber(name: string, index: number): number {
    const key = `${name}#${index}`;
    let n = this.slotNumbers.get(key);
    if (n === undefined) {
      n = WORKER_SLOT_BASE + this.slotNumbers.size;
      this.slotNumbers.set(key, n);
    }
    return n;
  }

  private instance(desired: DesiredApp, worker: WorkerSpec, index: number, plan: LaunchPlan): Instance {
    const { ctx } = this;
    const spec = workerSpec(desired.spec, worker);
    const label = `worker ${worker.name}#${index}`;
    const slot: ProcessSlot = new ProcessSlot(this.slotNumber(worker.name, index), 0, spec, ctx.sink, {
      spawn: (): OsProcess => spawnProcess(plan, null, ctx.sink, ctx.cgroup),
      spawned: () => ctx.persist(),
      ready: (proc) => aliveThrough(proc, WORKER_START_WINDOW_MS),
      transition: (s, from, to, detail, event) => {
        const pid = s.proc?.pid ?? s.lastPid;
        const base = { appId: ctx.appId, slot: s.index, pid, from, to, at: isoNow(), detail };
        const kind = event === "recycle" ? ("recycle" as const) : eventKindOf(base);
        const last = (to === "EXITED" || to === "BACKOFF") && pid ? ctx.outputOf(pid) : "";
        ctx.transition({
          ...base,
          ...(kind ? { kind } : {}),
          worker: worker.name,
          detail: `${label}: ${detail || to.toLowerCase()}${last ? `\nlast output:\n${last.slice(-4000)}` : ""}`,
        });
        ctx.changed();
      },
    });
    return { worker, index, slot, key: workerKey(desired.spec, worker) };
  }

  /**
   * Makes the running workers match `desired` (running): new and changed ones (a new release's
   * command or cwd, after a deployment's switch) are started, changed and removed ones stopped
   * first. Returns a problem text per worker that could not be started.
   */
  async sync(desired: DesiredApp, restartAll = false): Promise<string[]> {
    const wanted = desired.desired === "running" ? (desired.spec.workers ?? []) : [];
    const keep: Instance[] = [];
    const stale: Instance[] = [];
    for (const inst of this.instances) {
      const w = wanted.find((x) => x.name === inst.worker.name);
      const same = w && inst.index < w.count && workerKey(desired.spec, w) === inst.key && !restartAll;
      (same && inst.slot.proc ? keep : stale).push(inst);
    }
    // Old ones go first: two copies of a queue worker on the same queue may both take a job.
    await Promise.all(stale.map((i) => i.slot.stop()));
    this.instances = keep;
    const problems: string[] = [];
    const started: Promise<void>[] = [];
    for (const w of wanted) {
      const plan = planLaunch(workerSpec(desired.spec, w), this.ctx.socketDirs, { purpose: "app", rootApproved: desired.rootApproved });
      if (!plan.ok) {
        problems.push(`worker ${w.name}: ${plan.message} ${JSON.stringify(plan.fields ?? [])}`);
        continue;
      }
      for (let i = 0; i < w.count; i++) {
        if (keep.some((k) => k.worker.name === w.name && k.index === i)) continue;
        const inst = this.instance(desired, w, i, plan.value);
        this.instances.push(inst);
        started.push(inst.slot.start().then((p) => void (p && problems.push(`worker ${w.name}#${i}: ${p}`))));
      }
    }
    await Promise.all(started);
    this.instances.sort((a, b) => a.slot.index - b.slot.index);
    this.ctx.persist();
    this.ctx.changed();
    return problems;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.slot.stop()));
    this.instances = [];
    this.ctx.changed();
  }

  /** Agent shutdown: the workers keep running for the next agent, and are no longer replaced here. */
  detach(): void {
    for (const i of this.instances) i.slot.detach();
  }

  /** Restarts one worker instance (or every instance of a worker when `index` is omitted). */
  async restart(name: string, index?: number): Promise<boolean> {
    const targets = this.instances.filter((i) => i.worker.name === name && (index === undefined || i.index === index));
    if (!targets.length) return false;
    await Promise.all(
      targets.map(async (t) => {
        await t.slot.stop();
        await t.slot.start();
      }),
    );
    return true;
  }

  byPid(pid: number): { name: string; index: number; proc: OsProcess } | null {
    const i = this.instances.find((x) => x.slot.proc?.pid === pid);
    return i?.slot.proc ? { name: i.worker.name, index: i.index, proc: i.slot.proc } : null;
  }

  /** Takes back the workers a previous agent left running; the others start as usual. */
  adopt(desired: DesiredApp, saved: SavedWorker[]): void {
    for (const w of desired.spec.workers ?? []) {
      const plan = planLaunch(workerSpec(desired.spec, w), this.ctx.socketDirs, { purpose: "app", rootApproved: desired.rootApproved });
      if (!plan.ok) continue;
      for (let i = 0; i < w.count; i++) {
        const s = saved.find((x) => x.name === w.name && x.index === i);
        const proc = s ? adoptProcess(s.pid, s.startTicks, s.startedAt, this.ctx.sink, this.ctx.cgroup) : null;
        if (!proc || !s) continue;
        const inst = this.instance(desired, w, i, plan.value);
        inst.slot.adopt(proc, s.restarts);
        this.instances.push(inst);
      }
    }
  }

  saved(): SavedWorker[] {
    return this.instances.flatMap((i) =>
      i.slot.proc ? [{ name: i.worker.name, index: i.index, pid: i.slot.proc.pid, startTicks: i.slot.proc.startTicks, startedAt: i.slot.proc.startedAt, restarts: i.slot.restarts }] : [],
    );
  }

  /** Live processes, for the metrics (a worker's CPU and memory count toward its app). */
  live(): { slot: number; proc: OsProcess }[] {
    return this.instances.flatMap((i) => (i.slot.proc?.pid ? [{ slot: i.slot.index, proc: i.slot.proc }] : []));
  }

  status(): WorkerStatus[] {
    return this.instances.map((i) => ({
      name: i.worker.name,
      index: i.index,
      pid: i.slot.proc?.pid ?? 0,
      state: i.slot.state,
      startedAt: i.slot.proc?.startedAt ?? null,
      restarts: i.slot.restarts,
      exitCode: i.slot.exitCode,
      lastOutput: i.slot.state === "RUNNING" ? "" : this.ctx.outputOf(i.slot.proc?.pid ?? i.slot.lastPid),
    }));
  }
}

/** Resolves null if `proc` is still alive after `ms`, else why not. */
function aliveThrough(proc: OsProcess, ms: number): Promise<string | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    void proc.exited.then((info) => {
      clearTimeout(timer);
      resolve(`the worker exited within its first ${ms} ms (${info.signal ? `signal ${info.signal}` : `code ${info.code}`})`);
    });
  });
}
