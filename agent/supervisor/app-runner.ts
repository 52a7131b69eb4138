// One app on this host: its listening socket, its process slots, and the operations on them
// (start, stop, whole-app restart, per-process restart/kill, adoption). How a whole-app restart
// replaces a generation lives in restart-app.ts and the restart-* rooms, and the per-process
// operations in process-ops.ts: they reach the app only through its door (AppDoor).
import path from "node:path";
import { type AppStatus, type DesiredApp, err, ok, type ProcessInfo, type ProcessTransition, processRange, type Result } from "../../lib/protocol";
import { LogSink } from "../logs/log-sink";
import type { LogLimits } from "../logs/log-store";
import { adoptSaved, importRunning } from "./adopt-runner";
import type { AppDoor } from "./app-door";
import { type AppDown, Availability, lastExitOf, noLiveProcess, summaryState } from "./app-availability";
import { AppBoundListener } from "./app-bound-listener";
import { AppCgroup } from "./app-cgroup";
import { closeListenSocket, describeSocket, type ListenSocket, openAppSocket, removeSocketFile, socketAddress } from "./app-socket";
import type { LaunchPlan } from "./launch-plan";
import { poolHostOf } from "./pool-host";
import { PoolManager } from "./pool-manager";
import { ProcessSlot } from "./process-slot";
import { CpuSampler } from "./proc-stats";
import { type FirstLaunch, type ProbeWanted, slotHooks } from "./slot-hooks";
import type { OsProcess } from "./spawn-process";
import type { StandbyApp } from "../keeper/keeper-protocol";
import { type FpmStatus, FpmStatusPoller } from "../fpm/fpm-status";
import { FpmSlowlog } from "../fpm/fpm-slowlog";
import { statusPathOf } from "../fpm/pool-config";
import { AppWorkers } from "./workers";
import { planGeneration, processCount } from "./generation-plan";
import { killOneProcess, reloadApp, restartOneProcess } from "./process-ops";
import { restartApp } from "./restart-app";
import { OutputTails } from "./output-tails";
import { type SavedApp, savedApp, standbyOf } from "./runner-snapshot";
import { AppScheduler } from "../schedules/scheduler";

export type { SavedProcess } from "./adopt-app";
export type RunnerOptions = { logDir: string; socketDirs: string[]; logLimits?: LogLimits; /** names the app's cgroup */ stateDir: string };
/** `persist`: write the state file now (before a step a crashed agent must be able to undo). */
export type RunnerEvents = { transition(t: ProcessTransition): void; changed(): void; persist(): void };
export type { SavedApp } from "./runner-snapshot";

export class AppRunner {
  slots: ProcessSlot[] = [];
  private pending: ProcessSlot[] = []; // a new generation while a rolling restart checks it
  private draining: ProcessSlot[] = []; // the old generation, serving what was queued before the swap
  private generation = 0;
  private socket: ListenSocket | null = null;
  /** For an app that binds its own socket: the agent's copy of its listener (app-bound-listener.ts). */
  private held: AppBoundListener;
  private lastError = "";
  private queue: Promise<unknown> = Promise.resolve();
  private tails = new OutputTails();
  private cpu = new CpuSampler();
  private closing = false;
  /** Each generation's launch plan (the live one is what the log keeper replaces processes with). */
  private plans = new Map<number, LaunchPlan>();
  private availability = new Availability(
    () => this.desired.spec.name,
    () => summaryState(this.slots),
    () => this.shouldAnswer(),
    () => this.socket?.fd ?? this.held.fd,
  );
  /** A php-fpm app's status page, read every few seconds for the metrics. */
  readonly fpmStatus = new FpmStatusPoller(() => {
    const { fpm, socket } = this.desired.spec;
    if (!fpm || !this.socket || !this.slots.some((s) => s.state === "RUNNING")) return null;
    return { address: socketAddress(socket), statusPath: statusPathOf(fpm) };
  });
  /** The kernel's grouping of every process this app started (app-cgroup.ts). */
  readonly cgroup: AppCgroup;
  readonly sink: LogSink;
  /** Commands without a socket beside the FastCGI processes (workers.ts). */
  readonly workers: AppWorkers;
  /** Dynamic count, recycling, stuck requests, limits (pool-manager.ts). */
  private readonly pool: PoolManager;
  /** Commands run on a cron schedule (agent/schedules/). */
  readonly schedules: AppScheduler;

  constructor(
    public desired: DesiredApp,
    private opts: RunnerOptions,
    private events: RunnerEvents,
  ) {
    this.sink = new LogSink(path.join(opts.logDir, desired.appId), opts.logLimits);
    this.sink.onBatch((batch) => this.tails.keep(batch));
    this.held = new AppBoundListener((line) => this.sink.note(line));
    this.cgroup = new AppCgroup(opts.stateDir, desired.appId);
    this.workers = new AppWorkers({
      appId: desired.appId,
      sink: this.sink,
      cgroup: this.cgroup,
      socketDirs: opts.socketDirs,
      // Through the pool too: a queue worker SIGKILLed at limits.memoryMb gets the same OOM event (#20).
      transition: (t) => {
        this.events.transition(t);
        this.pool.onTransition(t);
      },
      changed: () => this.events.changed(),
      persist: () => this.events.persist(),
      outputOf: (pid) => this.outputOf(pid),
    });
    const poolHost = poolHostOf(this.host());
    this.pool = new PoolManager(poolHost);
    this.pool.start();
    // php-fpm traces its own slow requests (stack included) into the master's log: shown as events.
    const slowlog = new FpmSlowlog((r) => poolHost.event("slow", 0, r.childPid, r.detail));
    this.sink.onBatch((batch) => {
      if (this.desired.spec.fpm) slowlog.keep(batch);
    });
    this.schedules = new AppScheduler({
      appId: desired.appId,
      stateDir: opts.stateDir,
      socketDirs: opts.socketDirs,
      desired: () => this.desired,
      note: (line) => this.sink.note(line),
    });
  }

  /** Starts, stops or replaces workers to match the desired spec (`restartAll`: every one, as on an app restart). */
  async syncWorkers(restartAll = false): Promise<void> {
    const problems = await this.workers.sync(this.desired, restartAll);
    if (problems.length) this.fail(`${problems.length} worker(s) did not start: ${problems[0]}`);
  }

  get appId(): string {
    return this.desired.appId;
  }

  /** Runs operations on this app one at a time, in order. */
  serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private plan(desired: DesiredApp): Result<LaunchPlan> {
    return planGeneration(desired, this.opts.socketDirs, this.opts.stateDir);
  }

  /** How many processes a new generation starts (generation-plan.ts). */
  private countFor(desired: DesiredApp): number {
    return processCount(desired, this.slots.filter((s) => s.proc).length);
  }

  private newSlots(desired: DesiredApp, plan: LaunchPlan, generation: number, first?: FirstLaunch, indexes?: number[], probe?: ProbeWanted): ProcessSlot[] {
    const which = indexes ?? Array.from({ length: this.countFor(desired) }, (_, i) => i);
    this.plans.set(generation, plan);
    for (const g of this.plans.keys()) if (g < Math.min(generation, this.generation)) this.plans.delete(g);
    const hooks = slotHooks(
      {
        appId: this.appId,
        sink: this.sink,
        cgroup: this.cgroup,
        socket: () => this.socket,
        held: this.held,
        beforeSpawn: () => this.availability.stop(),
        persist: () => this.events.persist(),
        transition: (t) => {
          this.events.transition(t);
          this.pool.onTransition(t);
        },
        changed: () => {
          this.events.changed();
          this.availability.sync();
        },
        outputOf: (pid) => this.outputOf(pid),
      },
      desired,
      plan,
      first,
      probe,
      generation,
    );
    return which.map((i) => new ProcessSlot(i, generation, desired.spec, this.sink, hooks));
  }

  /** The door the restart rooms, adoption and the process manager go through. */
  private host(): AppDoor {
    const self = this;
    return {
      get appId() {
        return self.appId;
      },
      workers: this.workers,
      setGeneration: (generation) => {
        this.generation = generation;
      },
      setSocket: (socket) => {
        this.socket = socket;
      },
      setSlots: (slots) => {
        this.slots = slots;
      },
      setError: (message) => {
        this.lastError = message;
      },
      currentPlan: () => this.plans.get(this.generation),
      slotsAt: (d, plan, generation, indexes, probe) => this.newSlots(d, plan, generation, undefined, indexes, probe),
      countFor: (d) => this.countFor(d),
      ensureSocket: () => this.ensureSocket(),
      syncWorkers: () => this.syncWorkers(),
      syncLimits: () => this.pool.syncLimits(),
      busy: () => this.closing || this.pending.length > 0,
      transition: (t) => this.events.transition(t),
      changed: () => this.events.changed(),
      get desired() {
        return self.desired;
      },
      get generation() {
        return self.generation;
      },
      get socket() {
        return self.socket;
      },
      held: this.held,
      get slots() {
        return self.slots;
      },
      sink: this.sink,
      cgroup: this.cgroup,
      plan: (d) => this.plan(d),
      newSlots: (d, plan, generation, first) => this.newSlots(d, plan, generation, first),
      stage: (fresh) => {
        this.pending = fresh;
      },
      unstage: () => {
        this.pending = [];
        this.events.persist();
      },
      promote: (next, fresh, generation, socket) => {
        if (socket) this.socket = socket;
        for (const s of fresh) s.markReady();
        const old = this.slots;
        for (const s of old) s.supersede();
        this.slots = fresh;
        this.draining = old;
        this.pending = [];
        this.generation = generation;
        this.desired = next;
        this.lastError = "";
        this.events.persist();
        this.events.changed();
        return old;
      },
      retired: () => {
        this.draining = [];
        this.events.persist();
        this.events.changed();
      },
      persist: () => this.events.persist(),
      fail: (message, detail) => this.fail(message, detail),
      outputOf: (pid) => this.outputOf(pid),
      serialize: (fn) => this.serialize(fn),
      processes: () => this.processes(),
    };
  }

  private async ensureSocket(): Promise<Result<void>> {
    if (this.socket) return ok(undefined);
    // An app-bound app whose last process is gone (FATAL): the file on the path is the agent's held
    // copy, not a stale one or another server's; the next process is staged beside it (app-bound-respawn.ts).
    if (this.desired.spec.socket.bind === "app" && this.held.fd !== null) return ok(undefined);
    try {
      this.socket = await openAppSocket(this.desired.spec.socket);
      return ok(undefined);
    } catch (e) {
      return this.fail(`Cannot open the socket: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private fail(message: string, detail?: unknown): Result<never> {
    this.lastError = message;
    this.sink.note(message);
    this.events.changed();
    return err("FAILED", message, { detail });
  }

  async start(): Promise<Result<ProcessInfo[]>> {
    const running = this.slots.filter((s) => s.state !== "STOPPED" && s.state !== "FATAL" && s.state !== "EXITED");
    if (running.length) return ok(this.processes());
    const plan = this.plan(this.desired);
    if (!plan.ok) return plan;
    const opened = await this.ensureSocket();
    if (!opened.ok) return opened;
    this.lastError = "";
    this.pool.syncLimits(); // on the group before any process is born in it
    this.slots = this.newSlots(this.desired, plan.value, ++this.generation);
    this.events.changed();
    const problems = (await Promise.all(this.slots.map((s) => s.start()))).filter((p): p is string => p !== null);
    if (problems.length) return this.fail(`${problems.length} of ${this.slots.length} processes did not start: ${problems[0]}`, this.processes());
    await this.syncWorkers();
    return ok(this.processes());
  }

  /** The agent answers on the socket exactly while the app should run and no process of it exists. */
  private shouldAnswer(): boolean {
    const down = noLiveProcess([...this.slots, ...this.pending, ...this.draining]);
    // An on-demand app at rest has no process on purpose: its connections wait for the one the pool starts.
    const resting = processRange(this.desired.spec.processes).min === 0 && this.slots.length === 0;
    // An app-bound app's socket answers while the agent holds a copy of it (its last process's).
    const socket = this.desired.spec.socket.bind === "agent" ? this.socket !== null : this.held.fd !== null;
    return down && !resting && !this.closing && socket && this.desired.desired === "running";
  }

  /** Non-null while the agent answers on the socket for the app (no live process): why, for the doctor. */
  down(): AppDown | null {
    if (!this.shouldAnswer()) return null;
    const lastExit = lastExitOf(this.slots);
    return { state: summaryState(this.slots), lastExit, output: lastExit ? this.outputOf(lastExit.pid) : "" };
  }

  async stop(): Promise<Result<ProcessInfo[]>> {
    this.availability.stop();
    this.closing = true; // the socket is about to close: nothing answers on it meanwhile
    await Promise.all([...this.slots.map((s) => s.stop()), this.workers.stopAll()]).finally(() => {
      this.closing = false;
    });
    // A stopped app closes its socket: the web server then fails fast instead of queueing.
    if (this.socket) closeListenSocket(this.socket, true);
    this.socket = null;
    this.held.close();
    this.events.changed();
    return ok(this.processes());
  }

  /** Whole-app restart. On an agent-owned socket: new generation first, old one stopped after it answers. */
  restart(next: DesiredApp = this.desired): Promise<Result<ProcessInfo[]>> {
    const setDesired = (d: DesiredApp) => {
      this.desired = d;
    };
    return restartApp({ door: this.host(), stop: () => this.stop(), start: () => this.start(), setDesired }, next);
  }

  restartProcess(pid: number): Promise<Result<ProcessInfo[]>> {
    return restartOneProcess(this.host(), pid);
  }

  killProcess(pid: number): Promise<Result<ProcessInfo[]>> {
    return killOneProcess(this.host(), pid);
  }

  reload(): Result<ProcessInfo[]> {
    return reloadApp(this.host());
  }

  /** Re-attaches to the processes and socket a previous agent left running (adopt-runner.ts). */
  adopt(saved: SavedApp, exitsReported: ReadonlySet<number> = new Set()): Promise<void> {
    return adoptSaved(this.host(), saved, exitsReported);
  }

  /** Import: takes over processes started outside Stoker that serve this app's socket (adopt-runner.ts). */
  adoptRunning(pids: number[], ownPids: Set<number>): Promise<Result<ProcessInfo[]>> {
    return importRunning(this.host(), pids, ownPids);
  }

  /** How the log keeper replaces this app's processes while the agent is away; null if none should run. */
  standby(): StandbyApp | null {
    return standbyOf(this.appId, this.desired, this.generation, this.plans.get(this.generation), this.socket, this.slots);
  }

  saved(): SavedApp {
    // A restart's new and old generations too: a restarted agent must find every process.
    return savedApp(this.desired, this.generation, [...this.slots, ...this.pending, ...this.draining], this.workers.saved());
  }

  processes(): ProcessInfo[] {
    // A replaced generation still draining is not listed: it is no longer the app (state file only).
    return [...this.slots, ...this.pending].map((s) => ({
      ...s.info((proc) => this.cpu.sample(proc.pid, proc.usage())),
      lastOutput: s.state === "RUNNING" ? "" : this.outputOf(s.proc?.pid ?? s.lastPid),
    }));
  }

  /** What the metrics sampler reads: every live process (new, current and draining generations), restarts, the socket. */
  metricsView(): { processes: { slot: number; proc: OsProcess }[]; restarts: number; socketFd: number | null; fpm?: FpmStatus | null } {
    const all = [...this.slots, ...this.pending, ...this.draining];
    return {
      ...(this.desired.spec.fpm ? { fpm: this.fpmStatus.latest() } : {}),
      processes: [...all.flatMap((s) => (s.proc?.pid ? [{ slot: s.index, proc: s.proc }] : [])), ...this.workers.live()],
      restarts: this.slots.reduce((n, s) => n + s.restarts, 0),
      socketFd: this.socket?.fd ?? null,
    };
  }

  clearError(): void {
    this.lastError = "";
  }

  status(): AppStatus {
    return {
      appId: this.appId,
      revision: this.desired.revision,
      desired: this.desired.desired,
      processes: this.processes(),
      workers: this.workers.status(),
      socket: describeSocket(this.desired.spec.socket, this.socket !== null || this.desired.spec.socket.bind === "app"),
      lastError: this.lastError,
      pm: this.pool.status(),
      prematureErrors: 0, // filled in by the supervisor, which follows the web servers' logs
      runningRevision: null, // filled in by the supervisor, which knows desired and running revisions
      failedRevision: null,
    };
  }

  outputOf(pid: number): string {
    return this.tails.outputOf(pid);
  }

  /** Stops everything and forgets the app: processes, socket file, log handle. */
  async remove(): Promise<void> {
    this.fpmStatus.stop();
    this.pool.stop();
    this.schedules.stop();
    await this.stop();
    removeSocketFile(this.desired.spec.socket);
    this.cgroup.remove();
    this.sink.close();
  }

  /** Leaves processes running (agent shutdown): they are adopted by the next agent. */
  detach(): void {
    this.fpmStatus.stop();
    this.pool.stop();
    this.schedules.stop();
    this.availability.stop();
    if (this.socket) closeListenSocket(this.socket, false);
    this.socket = null;
    this.held.close();
    for (const s of [...this.slots, ...this.pending, ...this.draining]) s.detach();
    this.workers.detach();
    this.sink.close();
  }
}
