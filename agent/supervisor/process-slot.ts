// One process slot of an app: its current OS process, its lifecycle state and the restart
// policy: a failed start or an abnormal exit counts toward exponential backoff and FATAL after too
// many in a window; a clean exit after serving is a recycle, replaced at once (classifyExit).
// States move only via nextState.
import type { AppSpec, ProcessInfo, ProcessState } from "../../lib/protocol";
import { RECYCLE_DETAIL } from "../../lib/protocol/process-events";
import type { LogSink } from "../logs/log-sink";
import { hasAccepted } from "./accept-state";
import { classifyExit, type LifecycleEvent, nextState, policyRestarts } from "./lifecycle";
import { isAlive } from "./proc-stats";
import type { ExitInfo, OsProcess } from "./spawn-process";

/** How often an unproven replacement's fds are read for an accepted connection (until it has one). */
const ACCEPT_POLL_MS = 5;

export type SlotHooks = {
  spawn(): OsProcess;
  /** The slot holds the process spawn() returned (so a state file written now names its pid). */
  spawned?(): void;
  /** Resolves null once a freshly started process is ready, or an error text. */
  ready(proc: OsProcess): Promise<string | null>;
  transition(slot: ProcessSlot, from: ProcessState, to: ProcessState, detail: string, event: LifecycleEvent): void;
};

export class ProcessSlot {
  state: ProcessState = "STOPPED";
  proc: OsProcess | null = null;
  restarts = 0;
  exitCode: number | null = null;
  /** How the last process ended (code or signal), for the doctor's "no live process" finding. */
  lastExit: (ExitInfo & { error?: string }) | null = null;
  lastPid = 0;
  /** The current process passed its readiness check: its start window is over. */
  private proven = false;
  private unprovenRecycles = 0;
  private exits: number[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;
  /** The stopping of the last exited process's orphans (workers of a prefork master). */
  private leftovers: Promise<void> = Promise.resolve();
  /** A newer generation replaced this slot's: its process only serves what it had, and is never replaced. */
  private superseded = false;
  /** The agent handed its processes to the next one (detachAll): their exits are that agent's to judge. */
  private detached = false;

  constructor(
    readonly index: number,
    readonly generation: number,
    private spec: AppSpec,
    private sink: LogSink,
    private hooks: SlotHooks,
  ) {}

  private move(event: LifecycleEvent, detail = ""): boolean {
    const to = nextState(this.state, event);
    if (!to) {
      this.sink.note(`slot ${this.index}: ignored ${event} in ${this.state}`);
      return false;
    }
    const from = this.state;
    this.state = to;
    this.hooks.transition(this, from, to, detail, event);
    return true;
  }

  /** Adopts a process that survived an agent restart: it is already serving. */
  adopt(proc: OsProcess, restarts: number): void {
    this.proc = proc;
    this.restarts = restarts;
    this.setProven();
    this.move("start", "adopted");
    this.move("probe_ok", "adopted");
    this.lastPid = proc.pid;
    void proc.exited.then((info) => this.onExit(proc, info));
  }

  /**
   * A newer generation now serves: an exit of this slot's process (php-cgi reaching its request
   * quota while it drains) ends the slot instead of starting a process of the old generation,
   * which for an app-bound socket would bind the path over the new one.
   */
  supersede(): void {
    this.superseded = true;
    this.clearTimer();
  }

  /**
   * Agent shutdown: the process is left running and this slot neither replaces nor reports it any
   * more. A Supervisor kept alive after detachAll (an agent's process is not always gone at once)
   * still gets its children's exits: it replaced a worker the next agent had stopped, with the old
   * command, and nobody knew that copy.
   */
  detach(): void {
    this.detached = true;
    this.clearTimer();
  }

  /** Starts a process; resolves null when it is RUNNING, or with the reason it is not. */
  async start(): Promise<string | null> {
    this.clearTimer();
    if (!this.canMove("start")) return `cannot start from ${this.state}`;
    return this.spawnAndWait("start");
  }

  /** Starts a process without waiting for readiness (a generation checks readiness as a whole). */
  launch(): OsProcess | null {
    this.clearTimer();
    return this.canMove("start") ? this.spawn("start") : null;
  }

  private setProven(): void {
    this.proven = true;
    this.unprovenRecycles = 0;
  }

  private canMove(event: LifecycleEvent): boolean {
    if (nextState(this.state, event)) return true;
    this.sink.note(`slot ${this.index}: ignored ${event} in ${this.state}`);
    return false;
  }

  /** Marks a process that was launched and checked as part of a generation as RUNNING. */
  markReady(): void {
    this.setProven();
    if (this.state === "STARTING") this.move("probe_ok");
  }

  /** `event` moves the slot (to STARTING, or RUNNING for a recycle); it is applied after the spawn, so the event carries the new pid. */
  private spawn(event: "start" | "retry" | "recycle", detail = ""): OsProcess | null {
    const proc = this.hooks.spawn();
    this.proc = proc;
    this.proven = false;
    this.lastPid = proc.pid;
    this.hooks.spawned?.();
    this.move(event, detail);
    void proc.exited.then((info) => this.onExit(proc, info));
    return proc.pid ? proc : null;
  }

  private async spawnAndWait(event: "start" | "retry"): Promise<string | null> {
    const proc = this.spawn(event);
    if (!proc) {
      // Held here: onExit (queued first on the same promise) clears this.proc before the await resumes;
      // reading this.proc after it threw in a retry timer, and the unhandled rejection killed the agent.
      const failed = this.proc;
      if (!failed) return "the program could not be started";
      await failed.exited; // the error text is known once the spawn has failed
      return failed.error ?? "the program could not be started";
    }
    const problem = await this.hooks.ready(proc);
    if (this.proc !== proc || this.state !== "STARTING") return problem ?? "the process exited while starting";
    if (problem) {
      // Never ready: treat as a failed start so the backoff policy (and FATAL) applies.
      proc.signal("SIGKILL");
      return problem;
    }
    this.setProven();
    this.move("probe_ok");
    return null;
  }

  /** Replaces a process that ended its own life cleanly; its replacement is checked in the background. */
  private recycle(oldPid: number): void {
    const proc = this.spawn("recycle", `${RECYCLE_DETAIL}: process ${oldPid} exited cleanly after serving; replaced at once`);
    if (!proc) return; // the failed spawn's exit is judged a failed start
    if (this.spec.socket.bind === "agent") this.provenOnAccept(proc);
    void this.hooks.ready(proc).then((problem) => {
      if (this.proc !== proc) return;
      if (problem) {
        // It exited on its own (php-cgi using up a small quota before the check ended): its exit
        // is judged where every exit is (onExit), a recycle if it served, not a failed check.
        if (!isAlive(proc.pid)) return;
        this.sink.note(`replacement process ${proc.pid} is not ready: ${problem}`);
        proc.signal("SIGKILL"); // dies unproven: a failed start, so backoff applies
      } else this.setProven();
    });
  }

  /**
   * A replacement that accepted a connection on the app's socket (fd 0) serves: it is proven then,
   * not only once its readiness probe answers. Under load the probe waits behind every client, and
   * php-cgi with a small PHP_FCGI_MAX_REQUESTS used up its quota first: its clean exits were judged
   * failed starts, and the app went to BACKOFF with the agent answering 503.
   */
  private provenOnAccept(proc: OsProcess): void {
    const poll = () => {
      if (this.proc !== proc || this.proven) return;
      if (hasAccepted(proc.pid)) return this.setProven();
      setTimeout(poll, ACCEPT_POLL_MS).unref();
    };
    poll();
  }

  private onExit(proc: OsProcess, info: ExitInfo): void {
    if (this.detached) return; // the next agent's now, leftovers included
    // Whatever the exit means, nothing of the old process may keep serving: its orphans are stopped.
    this.leftovers = proc.stopLeftovers(`SIG${this.spec.stop.signal}` as NodeJS.Signals, this.spec.stop.timeoutMs);
    if (this.proc !== proc) return;
    this.proc = null;
    this.exitCode = info.code;
    this.lastExit = proc.error ? { ...info, error: proc.error } : info;
    const how = proc.error ?? (info.signal ? `signal ${info.signal}` : `code ${info.code}`);
    const event = classifyExit({ state: this.state, proven: this.proven, code: info.code, signal: info.signal, unprovenRecycles: this.unprovenRecycles });
    if (event === "reaped") {
      this.move("reaped", `exited (${how})`);
      return;
    }
    if (this.superseded) {
      this.sink.note(`process ${proc.pid} of a replaced generation exited (${how}): not replaced`);
      if (this.move("stop", `exited (${how}) after a newer generation took over`)) this.move("reaped", `exited (${how})`);
      return;
    }
    const wantsRestart = policyRestarts(this.spec.restart.policy, info.code, info.signal);
    if (event === "recycle" && wantsRestart) {
      if (!this.proven) this.unprovenRecycles++;
      this.sink.note(`process ${proc.pid} exited cleanly (${how}) after serving: recycled`);
      this.recycle(proc.pid);
      return;
    }
    this.sink.note(`process ${proc.pid || "(not started)"} exited (${how})${event === "start_failed" ? " before it was ready" : ""}`);
    if (!this.move(event === "recycle" ? "exit" : event, how)) return;
    const now = Date.now();
    this.exits = [...this.exits.filter((t) => now - t < this.spec.restart.windowMs), now];
    if (!wantsRestart) {
      if (this.state === "BACKOFF") this.move("give_up", "failed to start and the restart policy is never");
      return;
    }
    if (this.exits.length > this.spec.restart.maxRestarts) {
      this.move("give_up", `${this.exits.length} exits within ${this.spec.restart.windowMs} ms`);
      return;
    }
    // Exponential backoff: never a tight loop, even for a process that dies instantly.
    const delay = Math.min(this.spec.restart.backoffMs * 2 ** (this.exits.length - 1), this.spec.restart.maxBackoffMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      const event = this.state === "BACKOFF" ? "retry" : "start";
      if (!this.canMove(event)) return;
      this.restarts++;
      // Nothing from one app's retry may end the agent that supervises every app on the host.
      this.spawnAndWait(event).catch((e: unknown) => this.sink.note(`slot ${this.index}: retry failed: ${e instanceof Error ? e.message : String(e)}`));
    }, delay);
  }

  /** Stops gracefully: the spec's signal, then SIGKILL after the timeout. */
  stop(): Promise<void> {
    this.clearTimer();
    if (this.stopping) return this.stopping;
    const proc = this.proc;
    if (!proc || (this.state !== "RUNNING" && this.state !== "STARTING")) {
      if (this.state !== "STOPPED") this.move("stop");
      return Promise.resolve();
    }
    this.move("stop");
    proc.signal(`SIG${this.spec.stop.signal}` as NodeJS.Signals);
    const kill = setTimeout(() => proc.signal("SIGKILL"), this.spec.stop.timeoutMs);
    this.stopping = proc.exited.then(async () => {
      clearTimeout(kill);
      await this.leftovers; // stopped means the whole tree, not only its leader
      this.stopping = null;
    });
    return this.stopping;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  info(sample: (proc: OsProcess) => { cpuPercent: number; rssBytes: number }): ProcessInfo {
    const pid = this.proc?.pid ?? 0;
    // lastOutput is filled in by the app, which keeps the tail of each pid's output.
    const usage = pid && this.proc ? sample(this.proc) : { cpuPercent: 0, rssBytes: 0 };
    return {
      slot: this.index,
      pid,
      state: this.state,
      startedAt: this.proc?.startedAt ?? null,
      restarts: this.restarts,
      generation: this.generation,
      cpuPercent: usage.cpuPercent,
      rssBytes: usage.rssBytes,
      exitCode: this.exitCode,
      lastOutput: "",
    };
  }
}
