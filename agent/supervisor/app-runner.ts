// One app on this host: its listening socket, its process slots, and the operations on them
// (start, stop, whole-app rolling restart with zero failed requests, per-process restart/kill).
import path from "node:path";
import {
  type AppStatus,
  type DesiredApp,
  err,
  ok,
  type ProcessInfo,
  type ProcessTransition,
  type Result,
} from "../../lib/protocol";
import type { LogBatch } from "../logs/log-batch";
import { LogSink } from "../logs/log-sink";
import type { LogLimits } from "../logs/log-store";
import { type LaunchPlan, planLaunch } from "./launch-plan";
import {
  adoptListenSocket,
  applyOwnership,
  clearStaleSocket,
  closeListenSocket,
  describeSocket,
  discardStaged,
  type ListenSocket,
  openListenSocket,
  openStagedSocket,
  removeSocketFile,
  socketAddress,
  stagedPath,
  swapIn,
} from "./app-socket";
import { drainRetired } from "./drain";
import { listenerHeldBy } from "./socket-use";
import { closeFd, takeFd } from "../native";
import { isAlive } from "./proc-stats";
import { failpoint } from "./failpoint";
import { UnavailableResponder, unavailableResponse } from "./unavailable-responder";
import { liveGeneration, removeStagedFiles, retire, strayHolders } from "./recover-generation";
import { ProcessSlot, type SlotHooks } from "./process-slot";
import { AppCgroup } from "./app-cgroup";
import type { SavedRevisions } from "./revisions";
import { CpuSampler } from "./proc-stats";
import { kickAcceptors, probeOnce, probeUntil, waitSettled, waitStopped } from "./readiness";
import { adoptProcess, type OsProcess, spawnProcess } from "./spawn-process";

export type RunnerOptions = { logDir: string; socketDirs: string[]; logLimits?: LogLimits; /** names the app's cgroup */ stateDir: string };
/** `persist`: write the state file now (before a step a crashed agent must be able to undo). */
export type RunnerEvents = { transition(t: ProcessTransition): void; changed(): void; persist(): void };
export type SavedProcess = { slot: number; pid: number; startTicks: number; startedAt: string; restarts: number; generation: number };
export type SavedApp = { desired: DesiredApp; generation: number; processes: SavedProcess[] } & SavedRevisions;

const TAIL_LINES = 30;
/** How long an app must have had no process before the agent answers 503 for it. */
const UNAVAILABLE_AFTER_MS = 250;
const EXIT_OUTPUT_BYTES = 4000;

function withLastOutput(detail: string, output: string): string {
  if (!output) return detail;
  return `${detail}\nlast output:\n${output.length > EXIT_OUTPUT_BYTES ? `…${output.slice(-EXIT_OUTPUT_BYTES)}` : output}`;
}

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
  private answerTimer: NodeJS.Timeout | null = null;
  private unavailable = new UnavailableResponder(() => unavailableResponse(this.desired.spec.name, this.summaryState()));
  /** The kernel's grouping of every process this app started (app-cgroup.ts). */
  readonly cgroup: AppCgroup;
  readonly sink: LogSink;

  constructor(
    public desired: DesiredApp,
    private opts: RunnerOptions,
    private events: RunnerEvents,
  ) {
    this.sink = new LogSink(path.join(opts.logDir, desired.appId), opts.logLimits);
    this.sink.onBatch((batch) => this.keepTail(batch));
    this.cgroup = new AppCgroup(opts.stateDir, desired.appId);
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
    return planLaunch(desired.spec, this.opts.socketDirs, { purpose: "app", rootApproved: desired.rootApproved });
  }

  /** `sock`: the generation's own socket (a staged one); else the app's socket at spawn time. */
  private hooks(desired: DesiredApp, plan: LaunchPlan, sock?: ListenSocket): SlotHooks {
    const spec = desired.spec;
    return {
      spawn: () => {
        this.unavailable.stop(); // never both: a process that can accept starts only after the agent stopped answering
        const proc = spawnProcess(plan, spec.socket.bind === "agent" ? ((sock ?? this.socket)?.fd ?? null) : null, this.sink, this.cgroup);
        this.events.persist(); // every pid is in the state file before it can serve
        return proc;
      },
      ready: async (proc) => {
        if (spec.socket.bind === "agent") {
          const { dead, settled } = await waitSettled([proc.pid], spec.ready.timeoutMs);
          if (dead.length) return "the process exited while starting";
          if (!settled) return `the process did not settle within ${spec.ready.timeoutMs} ms`;
        }
        const problem = await probeUntil(spec, socketAddress(spec.socket), spec.ready.timeoutMs);
        if (problem) return `readiness probe failed: ${problem}`;
        if (spec.socket.bind === "app" && spec.socket.path) {
          // The app created its socket with its own umask; the web server needs the spec's access.
          try {
            applyOwnership(spec.socket.path, spec.socket);
          } catch (e) {
            return `cannot set the socket's owner and mode: ${e instanceof Error ? e.message : String(e)}`;
          }
        }
        return null;
      },
      transition: (slot, from, to, detail, event) => {
        const pid = slot.proc?.pid ?? slot.lastPid;
        this.events.transition({
          appId: this.appId,
          slot: slot.index,
          pid,
          from,
          to,
          ...(event === "recycle" ? { kind: "recycle" as const } : {}), // RUNNING → RUNNING reads as "ready" otherwise
          at: new Date().toISOString(),
          // An exit carries the process's last words into the timeline.
          detail: (to === "EXITED" || to === "BACKOFF") && pid ? withLastOutput(detail, this.outputOf(pid)) : detail,
        });
        this.events.changed();
        this.syncUnavailable();
      },
    };
  }

  private newSlots(desired: DesiredApp, plan: LaunchPlan, generation: number, sock?: ListenSocket): ProcessSlot[] {
    const count = desired.spec.socket.bind === "app" ? 1 : desired.spec.processes;
    const hooks = this.hooks(desired, plan, sock);
    return Array.from({ length: count }, (_, i) => new ProcessSlot(i, generation, desired.spec, this.sink, hooks));
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
    this.slots = this.newSlots(this.desired, plan.value, ++this.generation);
    this.events.changed();
    const problems = (await Promise.all(this.slots.map((s) => s.start()))).filter((p): p is string => p !== null);
    if (problems.length) return this.fail(`${problems.length} of ${this.slots.length} processes did not start: ${problems[0]}`, this.processes());
    return ok(this.processes());
  }

  /** FATAL, BACKOFF, EXITED or STOPPED: the state a 503 page names while nothing runs. */
  private summaryState(): string {
    const states = new Set(this.slots.map((s) => s.state));
    return (["FATAL", "BACKOFF", "EXITED", "STOPPED"] as const).find((st) => states.has(st)) ?? "STOPPED";
  }

  /** The agent answers on the socket exactly while the app should run and no process of it exists. */
  private syncUnavailable(): void {
    if (!this.shouldAnswer()) {
      this.unavailable.stop();
      return;
    }
    // Not at once: a process that exits to be replaced (a recycle) leaves the app without a
    // process for a moment, and what the web server queues meanwhile belongs to its successor.
    if (this.unavailable.active || this.answerTimer) return;
    this.answerTimer = setTimeout(() => {
      this.answerTimer = null;
      if (this.shouldAnswer() && this.socket) this.unavailable.start(this.socket.fd);
    }, UNAVAILABLE_AFTER_MS);
    this.answerTimer.unref();
  }

  private shouldAnswer(): boolean {
    const all = [...this.slots, ...this.pending, ...this.draining];
    const down = all.every((s) => s.proc === null && (s.state === "FATAL" || s.state === "BACKOFF" || s.state === "STOPPED"));
    return down && !this.closing && this.socket !== null && this.desired.desired === "running" && this.desired.spec.socket.bind === "agent";
  }

  async stop(): Promise<Result<ProcessInfo[]>> {
    this.unavailable.stop();
    this.closing = true; // the socket is about to close: nothing answers on it meanwhile
    await Promise.all(this.slots.map((s) => s.stop())).finally(() => {
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
      const replaced = await this.appBoundReplace(next, next.spec.socket.path);
      if (replaced) return replaced;
    }
    if (!live || next.spec.socket.bind !== "agent" || !sameSocket || !this.socket) {
      await this.stop();
      this.desired = next;
      return this.start();
    }
    return this.rollingReplace(next);
  }

  private async rollingReplace(next: DesiredApp): Promise<Result<ProcessInfo[]>> {
    const plan = this.plan(next);
    if (!plan.ok) return plan;
    const generation = next.spec.socket.path ? this.generation + 1 : 0;
    if (generation && stagedPath(next.spec.socket.path!, generation)) return this.swapReplace(next, plan.value, generation);
    return this.pausedReplace(next, plan.value);
  }

  /**
   * Unix socket: the new generation gets a socket of its own, is proven on it, then replaces the
   * app's socket in one rename. The old generation is never paused: it serves what was queued on
   * the old socket and is stopped once it holds nothing (drain.ts), so nothing is dropped.
   */
  private async swapReplace(next: DesiredApp, plan: LaunchPlan, generation: number): Promise<Result<ProcessInfo[]>> {
    const spec = next.spec;
    let staged: ListenSocket;
    try {
      staged = openStagedSocket(spec.socket, generation);
    } catch (e) {
      return this.fail(`Restart failed, the old processes keep serving: cannot open the new socket: ${e instanceof Error ? e.message : String(e)}`);
    }
    failpoint("restart.staged");
    const fresh = this.newSlots(next, plan, generation, staged);
    this.pending = fresh;
    const started = fresh.map((s) => s.launch()).filter((p): p is OsProcess => p !== null);
    failpoint("restart.launched");
    let problem: string | null = started.length < fresh.length ? "a new process could not be started" : null;
    if (!problem) {
      const { dead, settled } = await waitSettled(started.map((p) => p.pid), spec.ready.timeoutMs);
      if (dead.length) problem = `new process ${dead.join(", ")} exited while starting`;
      else if (!settled) problem = `the new processes did not settle within ${spec.ready.timeoutMs} ms`;
    }
    if (!problem) {
      // Only the new generation listens on the staged socket: every probe tests it.
      const address = `unix:${staged.staged}`;
      const probes = spec.ready.probe === "fastcgi" ? Math.min(fresh.length, 4) : 1;
      const results = await Promise.all(Array.from({ length: probes }, () => probeUntil(spec, address, spec.ready.timeoutMs)));
      problem = results.find((r) => r !== null) ?? null;
    }
    if (problem) {
      // Processes first, file second: a restarted agent reads a staged file as "never swapped in".
      await Promise.all(fresh.map((s) => s.stop()));
      discardStaged(staged);
      this.pending = [];
      this.events.persist();
      const output = started.map((p) => ({ pid: p.pid, output: this.outputOf(p.pid) }));
      return this.fail(`Restart failed, the old processes keep serving: ${problem}`, { newProcesses: output });
    }
    failpoint("restart.probed");
    const retired = this.socket;
    this.socket = swapIn(staged);
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
    failpoint("restart.swapped");
    // The restart is done: the new generation gets every new connection. The old one finishes
    // what it holds next, before any other operation on this app.
    void this.serialize(() => this.retire(old, retired, spec.stop.timeoutMs));
    return ok(this.processes());
  }

  /** Stops a replaced generation once it has served everything queued on its socket and accepted. */
  private async retire(old: ProcessSlot[], retired: ListenSocket | null, timeoutMs: number): Promise<void> {
    if (retired) await drainRetired(retired.fd, timeoutMs);
    failpoint("restart.drained");
    const stopping = Promise.all(old.map((s) => s.stop()));
    failpoint("restart.stopping");
    await stopping;
    if (retired) closeListenSocket(retired, false);
    this.draining = [];
    this.events.persist();
    this.events.changed();
  }


  /**
   * App-bound socket: the new process starts beside the old one. Apps that bind a path replace its
   * file (php-cgi -b, flup's bindAddress: unlink, then bind), so new connections reach the new
   * process while the old one keeps its own listener and what is queued there, and is stopped once
   * drained. Null (the caller stops, then starts) if the old process holds no listener at the path.
   */
  private async appBoundReplace(next: DesiredApp, file: string): Promise<Result<ProcessInfo[]> | null> {
    const plan = this.plan(next);
    if (!plan.ok) return plan;
    const spec = next.spec;
    const oldPids = this.slots.map((s) => s.proc?.pid ?? 0).filter(Boolean);
    const oldListener = listenerHeldBy(oldPids, file);
    if (!oldListener) return null;
    const fresh = this.newSlots(next, plan.value, this.generation + 1);
    this.pending = fresh;
    const started = fresh.map((s) => s.launch()).filter((p): p is OsProcess => p !== null);
    let problem: string | null = started.length < fresh.length ? "a new process could not be started" : null;
    const deadline = Date.now() + spec.ready.timeoutMs;
    // Ready once a new process holds a listener at the path (it replaced the file), then answers there.
    while (!problem && !listenerHeldBy(started.map((p) => p.pid), file)) {
      if (started.some((p) => !isAlive(p.pid))) problem = "the new process exited while starting";
      else if (Date.now() > deadline) problem = `the new process did not bind ${file} within ${spec.ready.timeoutMs} ms`;
      else await new Promise((r) => setTimeout(r, 10));
    }
    if (!problem) problem = await probeUntil(spec, socketAddress(spec.socket), Math.max(100, deadline - Date.now()));
    if (!problem) {
      try {
        applyOwnership(file, spec.socket);
      } catch (e) {
        problem = `cannot set the socket's owner and mode: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    if (problem) {
      await Promise.all(fresh.map((s) => s.stop()));
      this.pending = [];
      this.events.persist();
      return this.fail(`Restart failed, the old process keeps running: ${problem}`);
    }
    for (const s of fresh) s.markReady();
    const old = this.slots;
    this.slots = fresh;
    this.draining = old;
    this.pending = [];
    this.generation++;
    this.desired = next;
    this.lastError = "";
    this.events.persist();
    this.events.changed();
    void this.serialize(async () => {
      let fd = -1;
      try {
        fd = takeFd(oldListener.pid, oldListener.fd);
      } catch {
        // gone already
      }
      if (fd >= 0) await drainRetired(fd, spec.stop.timeoutMs, oldPids);
      await Promise.all(old.map((s) => s.stop()));
      if (fd >= 0) closeFd(fd);
      this.draining = [];
      this.events.persist();
      this.events.changed();
    });
    return ok(this.processes());
  }

  /** TCP socket (cannot be swapped): the old generation is paused while the new one is proven on the shared socket. */
  private async pausedReplace(next: DesiredApp, plan: LaunchPlan): Promise<Result<ProcessInfo[]>> {
    const spec = next.spec;
    const fresh = this.newSlots(next, plan, this.generation + 1);
    this.pending = fresh;
    const procs = fresh.map((s) => s.launch());
    const started = procs.filter((p): p is OsProcess => p !== null);
    let problem: string | null = started.length < fresh.length ? "a new process could not be started" : null;
    if (!problem) {
      const { dead, settled } = await waitSettled(
        started.map((p) => p.pid),
        spec.ready.timeoutMs,
      );
      if (dead.length) problem = `new process ${dead.join(", ")} exited while starting`;
      else if (!settled) problem = `the new processes did not settle within ${spec.ready.timeoutMs} ms`;
    }
    const old = this.slots;
    const oldProcs = old.map((s) => s.proc).filter((p): p is OsProcess => p !== null);
    const paused = !problem && spec.ready.probe === "fastcgi" ? oldProcs : [];
    if (!problem) problem = await this.probeNewGeneration(next, fresh.length, paused);
    if (problem) {
      for (const p of paused) p.signal("SIGCONT");
      await Promise.all(fresh.map((s) => s.stop()));
      this.pending = [];
      const output = started.map((p) => ({ pid: p.pid, output: this.outputOf(p.pid) }));
      return this.fail(`Restart failed, the old processes keep serving: ${problem}`, { newProcesses: output });
    }
    for (const s of fresh) s.markReady();
    this.slots = fresh;
    this.pending = [];
    this.generation++;
    this.events.persist();
    this.desired = next;
    this.lastError = "";
    this.events.changed();
    // The stop signal reaches the paused processes before they run again, so they handle it
    // instead of accepting more connections: everything queued meanwhile goes to the new ones.
    const stopping = old.map((s) => s.stop());
    for (const p of paused) p.signal("SIGCONT");
    await Promise.all(stopping); // graceful: in-flight requests finish
    await kickAcceptors(socketAddress(spec.socket), Math.min(fresh.length, 4));
    return ok(this.processes());
  }

  /**
   * Proves the new generation answers. With a FastCGI probe the old processes are paused
   * (SIGSTOP) while probing so only new ones can accept; connections meanwhile wait in the
   * socket's backlog, and nothing fails either way. The caller resumes or stops them.
   */
  private async probeNewGeneration(next: DesiredApp, count: number, paused: OsProcess[]): Promise<string | null> {
    const spec = next.spec;
    const address = socketAddress(spec.socket);
    if (spec.ready.probe !== "fastcgi") return probeUntil(spec, address, spec.ready.timeoutMs);
    for (const p of paused) p.signal("SIGSTOP");
    // Probe only once they are really stopped, or an old process could still take the probe.
    await waitStopped(paused.map((p) => p.pid));
    failpoint("restart.paused");
    await kickAcceptors(address, 1); // connections whose wake-up a stopping process swallowed
    const results = await Promise.all(Array.from({ length: Math.min(count, 4) }, () => probeOnce(spec, address, spec.ready.timeoutMs)));
    return results.find((r) => r !== null) ?? null;
  }

  async restartProcess(pid: number): Promise<Result<ProcessInfo[]>> {
    const slot = this.slots.find((s) => s.proc?.pid === pid);
    if (!slot) return err("NOT_FOUND", `No running process ${pid} in this app.`);
    await slot.stop();
    const problem = await slot.start();
    if (this.socket) await kickAcceptors(this.socket.address, 1);
    if (problem) return this.fail(`Process restart failed: ${problem}`);
    return ok(this.processes());
  }

  async killProcess(pid: number): Promise<Result<ProcessInfo[]>> {
    const slot = this.slots.find((s) => s.proc?.pid === pid);
    if (!slot?.proc) return err("NOT_FOUND", `No running process ${pid} in this app.`);
    const proc = slot.proc;
    proc.signal("SIGKILL");
    await proc.exited; // the restart policy takes it from here
    return ok(this.processes());
  }

  reload(): Result<ProcessInfo[]> {
    for (const s of this.slots) s.proc?.signal("SIGHUP");
    return ok(this.processes());
  }

  /**
   * Re-attaches to the processes and socket a previous agent left running. An agent killed in the
   * middle of a restart may have left two generations: exactly one is kept (the one on the socket's
   * path), nothing stays paused, and the other is retired once it has served what it holds.
   */
  async adopt(saved: SavedApp): Promise<void> {
    this.generation = saved.generation;
    const plan = this.plan(this.desired);
    if (!plan.ok) {
      this.lastError = plan.message;
      return;
    }
    const spec = this.desired.spec;
    const alive = saved.processes
      .map((p) => ({ saved: p, proc: adoptProcess(p.pid, p.startTicks, p.startedAt, this.sink, this.cgroup) }))
      .filter((a): a is { saved: SavedProcess; proc: OsProcess } => a.proc !== null);
    for (const a of alive) a.proc.signal("SIGCONT"); // a generation paused by the previous agent
    this.generation = liveGeneration(spec.socket, saved.generation, alive.map((a) => a.saved.generation));
    if (spec.socket.bind === "agent" && spec.socket.path) removeStagedFiles(spec.socket.path);
    const current = alive.filter((a) => a.saved.generation === this.generation);
    if (spec.socket.bind === "agent" && current.length) {
      try {
        this.socket = adoptListenSocket(spec.socket, current[0].proc.pid);
      } catch (e) {
        this.sink.note(`could not take the socket back from ${current[0].proc.pid}: ${String(e)}`);
      }
    }
    this.slots = this.newSlots(this.desired, plan.value, this.generation);
    for (const slot of this.slots) {
      const match = current.find((a) => a.saved.slot === slot.index);
      if (match) slot.adopt(match.proc, match.saved.restarts);
    }
    const leftovers = alive.filter((a) => !this.slots.some((s) => s.proc === a.proc)).map((a) => a.proc.pid);
    const strays = strayHolders(spec.socket, this.socket?.fd ?? null).filter((pid) => !leftovers.includes(pid));
    for (const pid of strays) {
      try {
        process.kill(pid, "SIGCONT");
      } catch {
        // gone meanwhile
      }
    }
    this.sink.note(`adopted ${this.slots.filter((s) => s.proc).length} running process(es)`);
    if (this.desired.desired === "running") {
      const missing = this.slots.filter((s) => !s.proc);
      if (missing.length) {
        const opened = await this.ensureSocket();
        if (opened.ok) await Promise.all(missing.map((s) => s.start()));
      }
    }
    this.events.persist();
    this.events.changed();
    const retiring = [...leftovers, ...strays];
    if (!retiring.length) return;
    this.sink.note(`retiring ${retiring.length} process(es) of an interrupted restart: ${retiring.join(", ")}`);
    // After this adoption, in turn: no other operation runs before they are gone.
    void this.serialize(async () => {
      await retire(retiring, this.socket?.fd ?? null, { signal: spec.stop.signal, timeoutMs: spec.stop.timeoutMs });
      this.events.persist();
    });
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
        })),
    };
  }

  processes(): ProcessInfo[] {
    // A replaced generation still draining is not listed: it is no longer the app (state file only).
    return [...this.slots, ...this.pending].map((s) => ({
      ...s.info((proc) => this.cpu.sample(proc.pid, proc.usage())),
      lastOutput: s.state === "RUNNING" ? "" : this.outputOf(s.proc?.pid ?? s.lastPid),
    }));
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
      socket: describeSocket(this.desired.spec.socket, this.socket !== null || this.desired.spec.socket.bind === "app"),
      lastError: this.lastError,
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
    await this.stop();
    removeSocketFile(this.desired.spec.socket);
    this.cgroup.remove();
    this.sink.close();
  }

  /** Leaves processes running (agent shutdown): they are adopted by the next agent. */
  detach(): void {
    this.unavailable.stop();
    if (this.socket) closeListenSocket(this.socket, false);
    this.socket = null;
    this.sink.close();
  }
}
