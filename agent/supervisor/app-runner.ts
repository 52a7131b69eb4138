// One app on this host: its listening socket, its process slots, and the operations on them
// (start, stop, whole-app restart, per-process restart/kill, adoption). How a whole-app restart
// replaces a generation lives in the restart-* rooms, which reach the app only through RestartHost.
import { fstatSync } from "node:fs";
import path from "node:path";
import { type AppStatus, type DesiredApp, err, ok, type ProcessInfo, type ProcessTransition, processRange, type Result } from "../../lib/protocol";
import type { LogBatch } from "../logs/log-batch";
import { LogSink } from "../logs/log-sink";
import type { LogLimits } from "../logs/log-store";
import type { SavedProcess } from "./adopt-app";
import { adoptSaved, importRunning } from "./adopt-runner";
import type { AppDoor } from "./app-door";
import { Availability, noLiveProcess, summaryState } from "./app-availability";
import { AppCgroup } from "./app-cgroup";
import { clearStaleSocket, closeListenSocket, describeSocket, type ListenSocket, openListenSocket, removeSocketFile, socketAddress, stagedPath } from "./app-socket";
import { type LaunchPlan, planLaunch } from "./launch-plan";
import { poolHostOf } from "./pool-host";
import { PoolManager } from "./pool-manager";
import { ProcessSlot } from "./process-slot";
import { CpuSampler } from "./proc-stats";
import { kickAcceptors } from "./readiness";
import { appBoundReplace } from "./restart-app-bound";
import { pausedReplace } from "./restart-paused";
import { swapReplace } from "./restart-swap";
import type { SavedRevisions } from "./revisions";
import { type FirstLaunch, type ProbeWanted, slotHooks } from "./slot-hooks";
import type { OsProcess } from "./spawn-process";
import type { StandbyApp } from "../keeper/keeper-protocol";
import { fpmPlan } from "../fpm/fpm-launch";
import { type FpmStatus, FpmStatusPoller } from "../fpm/fpm-status";
import { statusPathOf } from "../fpm/pool-config";
import { AppWorkers, type SavedWorker } from "./workers";
import { AppScheduler } from "../schedules/scheduler";

export type { SavedProcess } from "./adopt-app";
export type RunnerOptions = { logDir: string; socketDirs: string[]; logLimits?: LogLimits; /** names the app's cgroup */ stateDir: string };
/** `persist`: write the state file now (before a step a crashed agent must be able to undo). */
export type RunnerEvents = { transition(t: ProcessTransition): void; changed(): void; persist(): void };
export type SavedApp = { desired: DesiredApp; generation: number; processes: SavedProcess[]; workers?: SavedWorker[] } & SavedRevisions;

const TAIL_LINES = 30;

export class AppRunner {
  slots: ProcessSlot[] = [];
  private pending: ProcessSlot[] = []; // a new generation while a rolling restart checks it
  private draining: ProcessSlot[] = []; // the old generation, serving what was queued before the swap
  private generation = 0;
  private socket: ListenSocket | null = null;
  private lastError = "";
  private queue: Promise<unknown> = Promise.resolve();
  private tails = new Map<number, string[]>();
  private cpu = new CpuSampler();
  private closing = false;
  /** Each generation's launch plan (the live one is what the log keeper replaces processes with). */
  private plans = new Map<number, LaunchPlan>();
  private availability = new Availability(
    () => this.desired.spec.name,
    () => summaryState(this.slots),
    () => this.shouldAnswer(),
    () => this.socket?.fd ?? null,
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
    this.sink.onBatch((batch) => this.keepTail(batch));
    this.cgroup = new AppCgroup(opts.stateDir, desired.appId);
    this.workers = new AppWorkers({
      appId: desired.appId,
      sink: this.sink,
      cgroup: this.cgroup,
      socketDirs: opts.socketDirs,
      transition: (t) => this.events.transition(t),
      changed: () => this.events.changed(),
      persist: () => this.events.persist(),
      outputOf: (pid) => this.outputOf(pid),
    });
    this.pool = new PoolManager(poolHostOf(this.host()));
    this.pool.start();
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
    const plan = planLaunch(desired.spec, this.opts.socketDirs, { purpose: "app", rootApproved: desired.rootApproved });
    if (!plan.ok || !desired.spec.fpm) return plan;
    try {
      return ok(fpmPlan(plan.value, desired, this.opts.stateDir));
    } catch (e) {
      return err("FAILED", `Cannot write the php-fpm configuration: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /**
   * How many processes a new generation starts: a fixed count, or for a dynamic one as many as
   * run now (a restart keeps the capacity the load asked for), within min..max.
   */
  private countFor(desired: DesiredApp): number {
    if (desired.spec.socket.bind === "app") return 1;
    const range = processRange(desired.spec.processes);
    if (!range.dynamic) return range.min;
    const live = this.slots.filter((s) => s.proc).length;
    return Math.min(range.max, Math.max(range.min, live));
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
    const spec = this.desired.spec.socket;
    if (this.socket) return ok(undefined);
    try {
      // An app that binds its own socket fails with "address in use" on a file a killed run left.
      if (spec.bind === "app") {
        if (spec.path) await clearStaleSocket(spec.path);
        return ok(undefined);
      }
      this.socket = await openListenSocket(spec);
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
    return down && !resting && !this.closing && this.socket !== null && this.desired.desired === "running" && this.desired.spec.socket.bind === "agent";
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
    this.events.changed();
    return ok(this.processes());
  }

  /** Whole-app restart. On an agent-owned socket: new generation first, old one stopped after it answers. */
  async restart(next: DesiredApp = this.desired): Promise<Result<ProcessInfo[]>> {
    const live = this.slots.some((s) => s.state === "RUNNING");
    const sameSocket = JSON.stringify(next.spec.socket) === JSON.stringify(this.desired.spec.socket);
    if (!live && next.spec.socket.bind === "agent" && sameSocket && this.socket) {
      // No process serves: the socket stays, so what the web server queued meanwhile (answered 503
      // until the first new process starts) goes to the new processes.
      await Promise.all(this.slots.map((s) => s.stop()));
      this.desired = next;
      return this.start();
    }
    if (live && sameSocket && next.spec.socket.bind === "app" && next.spec.socket.path) {
      const replaced = await appBoundReplace(this.host(), next, next.spec.socket.path);
      if (replaced) return replaced;
    }
    if (!live || next.spec.socket.bind !== "agent" || !sameSocket || !this.socket) {
      await this.stop();
      this.desired = next;
      return this.start();
    }
    const plan = this.plan(next);
    if (!plan.ok) return plan;
    const generation = next.spec.socket.path ? this.generation + 1 : 0;
    if (generation && stagedPath(next.spec.socket.path!, generation)) return swapReplace(this.host(), next, plan.value, generation);
    return pausedReplace(this.host(), next, plan.value);
  }

  async restartProcess(pid: number): Promise<Result<ProcessInfo[]>> {
    const worker = this.workers.byPid(pid);
    if (worker) {
      await this.workers.restart(worker.name, worker.index);
      return ok(this.processes());
    }
    const slot = this.slots.find((s) => s.proc?.pid === pid);
    if (!slot) return err("NOT_FOUND", `No running process ${pid} in this app.`);
    await slot.stop();
    const problem = await slot.start();
    if (this.socket) await kickAcceptors(this.socket.address, 1);
    if (problem) return this.fail(`Process restart failed: ${problem}`);
    return ok(this.processes());
  }

  async killProcess(pid: number): Promise<Result<ProcessInfo[]>> {
    const proc = this.slots.find((s) => s.proc?.pid === pid)?.proc ?? this.workers.byPid(pid)?.proc;
    if (!proc) return err("NOT_FOUND", `No running process ${pid} in this app.`);
    proc.signal("SIGKILL");
    await proc.exited; // the restart policy takes it from here
    return ok(this.processes());
  }

  reload(): Result<ProcessInfo[]> {
    if (this.desired.spec.fpm) {
      // php-fpm's graceful reload: the master alone (USR2 would end its children), which re-executes
      // itself keeping the socket, lets each child finish its request, and starts new ones.
      for (const s of this.slots) {
        if (!s.proc?.pid) continue;
        this.sink.note(`php-fpm master ${s.proc.pid}: graceful reload (SIGUSR2)`);
        try {
          process.kill(s.proc.pid, "SIGUSR2");
        } catch {
          // gone meanwhile: the restart policy takes it from there
        }
      }
      return ok(this.processes());
    }
    for (const s of this.slots) s.proc?.signal("SIGHUP");
    return ok(this.processes());
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
    const plan = this.plans.get(this.generation);
    // Not only while a process runs: php-cgi's processes recycle together under even load, and a state
    // saved in that instant (an exit is a change) left the keeper without a recipe for the whole outage.
    if (this.desired.desired !== "running" || !plan) return null;
    const { socket, restart } = this.desired.spec;
    // The socket itself, named by this agent's fd: the keeper takes its duplicate now, as no app
    // process may be alive to take it from when the agent dies (both php-cgi processes recycling).
    // Only a Unix socket: a TCP port the keeper held open would make this agent's own re-listen on
    // it (a stop then a start) fail with EADDRINUSE until the keeper had the next recipes; the
    // keeper takes a TCP socket from a live process when the agent goes, as before.
    const inode = this.socket && socket.bind === "agent" && socket.path ? inodeOf(this.socket.fd) : null;
    const agentSocket = this.socket && inode !== null ? { fd: this.socket.fd, inode } : undefined;
    const slots = this.slots.filter((s) => s.state !== "STOPPED" && s.state !== "FATAL").map((s) => s.index);
    return { appId: this.appId, generation: this.generation, socket, plan, restart, agentSocket, slots };
  }

  saved(): SavedApp {
    return {
      desired: this.desired,
      generation: this.generation,
      // A restart's new and old generations too: a restarted agent must find every process.
      processes: [...this.slots, ...this.pending, ...this.draining]
        .filter((s) => s.proc)
        .map((s) => ({
          slot: s.index,
          pid: s.proc!.pid,
          startTicks: s.proc!.startTicks,
          startedAt: s.proc!.startedAt,
          restarts: s.restarts,
          generation: s.generation,
          ...(s.proc!.foreign ? { foreign: true } : {}),
        })),
      workers: this.workers.saved(),
    };
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

  private keepTail(batch: LogBatch): void {
    // A sink batch holds one process's lines: only its last TAIL_LINES can survive.
    const pid = batch.pid;
    const tail = (this.tails.get(pid) ?? []).concat(batch.lastTexts(TAIL_LINES));
    this.tails.set(pid, tail.length > TAIL_LINES ? tail.slice(-TAIL_LINES) : tail);
    if (this.tails.size > 64) this.tails.delete(this.tails.keys().next().value ?? 0);
  }

  outputOf(pid: number): string {
    return (this.tails.get(pid) ?? []).join("\n").slice(-8192);
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
    this.sink.close();
  }
}

function inodeOf(fd: number): number | null {
  try {
    return fstatSync(fd).ino;
  } catch {
    return null;
  }
}
