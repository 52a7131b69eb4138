// The process manager of one app (issue #20): looks at its processes a few times a second and
// scales the count (autoscale.ts), starts the first process of an on-demand app when a connection
// arrives on the socket the agent holds, replaces processes due for recycling (recycle.ts) or stuck
// in one request (stuck-requests.ts), and keeps the cgroup's limits applied and watched (limits.ts).
// Every change is a start before a graceful stop, and an event in the app's timeline.
import { type ProcessManagerStatus, type ProcessTransition, processRange } from "../../lib/protocol";
import { queueOf, readQueues } from "../metrics/listen-queue";
import { decideScale, type SlotLoad } from "./autoscale";
import { availableMemoryBytes, totalMemoryBytes } from "./host-memory";
import { type AppliedLimits, applyLimits, type LimitCounters, readCounters } from "./limits";
import type { PoolHost } from "./pool-host";
import type { ProcessSlot } from "./process-slot";
import { RequestCounter, recycleReason } from "./recycle";
import { stopWhenIdle } from "./retire-idle";
import { listenInodeOf, readActivity } from "./slot-activity";
import { hasQueued } from "./socket-use";
import { StuckRequests, stuckReport } from "./stuck-requests";

/** An on-demand app with no process is polled this often for a waiting connection. */
const POLL_MS = 50;
/** Everything else is looked at every LOOK_EVERY polls. */
const LOOK_EVERY = 4;
const LIMITS_EVERY = 20;
const THROTTLE_EVENT_MS = 60_000;
/** A stuck request's process gets this long after its stop signal before SIGKILL. */
const STUCK_GRACE_MS = 3000;
const GUESS_PROCESS_BYTES = 32 << 20;

export class PoolManager {
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;
  private acting = false;
  private lastBusy = new Map<ProcessSlot, number>();
  private requests = new RequestCounter();
  private stuck = new StuckRequests();
  private limitsKey: string | null = null;
  private applied: AppliedLimits | null = null;
  private counters: LimitCounters | null = null;
  private lastThrottleEvent = 0;
  private held = "";

  constructor(private host: PoolHost) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  status(): ProcessManagerStatus {
    const range = processRange(this.host.spec.processes);
    const a = this.applied;
    return {
      current: this.host.slots().length,
      min: range.min,
      max: range.max,
      dynamic: range.dynamic,
      held: this.held,
      limits: a ? { memoryMb: a.memoryMb, cpuPercent: a.cpuPercent, pids: a.pids, unavailable: a.unavailable } : null,
    };
  }

  /** Limits are written before the app's processes start, and again whenever the spec changes them. */
  syncLimits(): void {
    const key = JSON.stringify(this.host.spec.limits ?? null);
    if (key === this.limitsKey) return;
    this.limitsKey = key;
    const hadLimits = this.applied !== null;
    this.applied = this.host.spec.limits || hadLimits ? applyLimits(this.host.cgroup, this.host.spec.limits) : null;
    if (!this.host.spec.limits) this.applied = null;
    this.counters = readCounters(this.host.cgroup);
    for (const u of this.applied?.unavailable ?? []) this.host.event("limit", 0, 0, `not applied: ${u}`);
    this.host.changed();
  }

  /** A process died of SIGKILL: if the app's memory limit was hit meanwhile, the kernel's OOM killer did it. */
  onTransition(t: ProcessTransition): void {
    if (!this.applied?.memoryMb || (t.to !== "EXITED" && t.to !== "BACKOFF") || !/signal SIGKILL/.test(t.detail)) return;
    const now = readCounters(this.host.cgroup);
    const before = this.counters;
    this.counters = now;
    if (!before || (now.memoryHits <= before.memoryHits && now.oomKills <= before.oomKills)) return;
    this.host.event(
      "limit",
      t.slot,
      t.pid,
      `process ${t.pid} was killed by the kernel (OOM killer): the app reached its memory limit, limits.memoryMb ${this.applied.memoryMb} MB`,
    );
  }

  private tick(): void {
    this.ticks++;
    if (this.ticks % LIMITS_EVERY === 0) this.watchLimits();
    if (this.acting || !this.host.active()) return;
    const spec = this.host.spec;
    const range = processRange(spec.processes);
    if (!range.dynamic && !spec.recycle && !spec.requestTimeoutS) return; // nothing to watch: no /proc reading
    const idleApp = this.host.slots().length === 0;
    if (!idleApp && this.ticks % LOOK_EVERY !== 0) return;
    const fd = this.host.socketFd();
    if (idleApp) {
      if (range.min === 0 && fd !== null && hasQueued(fd)) this.act(() => this.scaleUp(1, "a connection arrived (on demand, min 0)", ""));
      return;
    }
    this.look(fd);
  }

  private look(fd: number | null): void {
    const spec = this.host.spec;
    const range = processRange(spec.processes);
    const slots = this.host.slots();
    const procs = slots.flatMap((s) => (s.proc ? [s.proc] : []));
    const activity = readActivity(fd, procs);
    const now = Date.now();
    const loads: SlotLoad[] = [];
    let rssTotal = 0;
    let rssCount = 0;
    for (const slot of slots) {
      const proc = slot.proc;
      const act = proc ? activity.get(proc) : undefined;
      if (!this.lastBusy.has(slot) || act?.busy) this.lastBusy.set(slot, now);
      const running = slot.state === "RUNNING" && proc !== null;
      loads.push({ index: slot.index, running, busy: act?.busy ?? false, idleMs: now - (this.lastBusy.get(slot) ?? now) });
      if (!running || !proc) continue;
      const requests = this.requests.observe(proc.pid, act?.connections ?? []);
      const held = this.stuck.observe(proc.pid, act?.connections ?? [], now);
      if (spec.requestTimeoutS && held > spec.requestTimeoutS * 1000) {
        this.act(() => this.cutStuck(slot, held));
        return;
      }
      const rssBytes = proc.usage().rssBytes;
      rssTotal += rssBytes;
      rssCount++;
      const reason = recycleReason(spec.recycle, { rssBytes, ageMs: now - Date.parse(proc.startedAt), requests });
      if (reason) {
        this.act(() => this.replace(slot, reason));
        return;
      }
    }
    const live = new Set(procs.map((p) => p.pid));
    this.requests.keepOnly(live);
    this.stuck.keepOnly(live);
    for (const s of this.lastBusy.keys()) if (!slots.includes(s)) this.lastBusy.delete(s);
    if (!range.dynamic) return;
    const queue = fd !== null && hasQueued(fd) ? (queueOf(readQueues(), listenInodeOf(fd)) ?? 1) : 0;
    const total = totalMemoryBytes();
    const decision = decideScale({
      range,
      slots: loads,
      starting: slots.filter((s) => s.state === "STARTING").length,
      queue,
      memory: {
        availableBytes: availableMemoryBytes(),
        perProcessBytes: rssCount ? rssTotal / rssCount : GUESS_PROCESS_BYTES,
        reserveBytes: Math.max(64 << 20, total * 0.05),
        appLimitBytes: this.applied?.memoryMb ? this.applied.memoryMb * 1048576 : null,
        appUsedBytes: rssTotal,
      },
    });
    this.noteHeld(decision.kind === "down" ? "" : decision.held);
    if (decision.kind === "up") this.act(() => this.scaleUp(decision.count, decision.reason, decision.held));
    else if (decision.kind === "down") {
      const slot = slots.find((s) => s.index === decision.index);
      if (slot) this.act(() => this.scaleDown(slot, decision.reason));
    }
  }

  /** Memory holding the count back is said once per episode, in the timeline and the status. */
  private noteHeld(held: string): void {
    const memory = /memory/.test(held);
    if (memory && !/memory/.test(this.held)) this.host.event("scale", 0, 0, `not scaling up: ${held}`);
    if (held !== this.held) {
      this.held = held;
      this.host.changed();
    }
  }

  private act(fn: () => Promise<void>): void {
    this.acting = true;
    void this.host
      .serialize(async () => {
        if (this.host.active()) await fn();
      })
      .catch((e: unknown) => this.host.event("scale", 0, 0, `process manager step failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        this.acting = false;
      });
  }

  private describeCount(): string {
    const r = processRange(this.host.spec.processes);
    return `now ${this.host.slots().length} (min ${r.min}, max ${r.max})`;
  }

  private async scaleUp(count: number, reason: string, held: string): Promise<void> {
    const fresh = await this.host.addSlots(count);
    for (const s of fresh) {
      const ok = s.state === "RUNNING";
      this.host.event("scale", s.index, s.proc?.pid ?? s.lastPid, `${ok ? "started" : "could not start"} process ${s.proc?.pid ?? s.lastPid} (slot ${s.index}): ${reason}; ${this.describeCount()}${held ? `; ${held}` : ""}`);
    }
  }

  private async scaleDown(slot: ProcessSlot, reason: string): Promise<void> {
    const pid = slot.proc?.pid ?? slot.lastPid;
    // The last one (min 0): no acceptor is left to wake, and a kick connection would sit queued
    // and start a process "on demand" at once, so the app never rested at 0 (#20).
    const others = this.host.slots().some((s) => s !== slot);
    await stopWhenIdle(slot, others ? this.host.address() : null, this.host.spec.stop.timeoutMs);
    this.host.dropSlot(slot);
    this.host.event("scale", slot.index, pid, `stopped process ${pid} (slot ${slot.index}): ${reason}; ${this.describeCount()}`);
  }

  /** Start the successor first; the old process stops once it holds no request. */
  private async replace(slot: ProcessSlot, reason: string): Promise<void> {
    const old = slot.proc?.pid ?? slot.lastPid;
    const [fresh] = await this.host.addSlots(1);
    if (fresh?.state !== "RUNNING") {
      this.host.event("recycle", slot.index, old, `process ${old} is due for replacement (${reason}), but its successor did not start: it keeps serving`);
      if (fresh) {
        await fresh.stop();
        this.host.dropSlot(fresh);
      }
      return;
    }
    await stopWhenIdle(slot, this.host.address(), this.host.spec.stop.timeoutMs);
    this.host.dropSlot(slot);
    this.host.event("recycle", fresh.index, fresh.proc?.pid ?? 0, `process ${old} replaced by ${fresh.proc?.pid}: ${reason}`);
  }

  private async cutStuck(slot: ProcessSlot, heldMs: number): Promise<void> {
    const proc = slot.proc;
    if (!proc) return;
    const spec = this.host.spec;
    const report = stuckReport(proc.pid, heldMs, spec.requestTimeoutS ?? 0, spec.command[0], this.host.outputOf(proc.pid));
    this.host.event("slow", slot.index, proc.pid, report);
    const range = processRange(spec.processes);
    // Its successor first, unless the app is already at its max (the stuck one then frees a place).
    if (this.host.slots().length < Math.max(range.max, 1) || !range.dynamic) await this.host.addSlots(1);
    const stopping = slot.stop();
    const kill = setTimeout(() => proc.signal("SIGKILL"), Math.min(spec.stop.timeoutMs, STUCK_GRACE_MS));
    await stopping;
    clearTimeout(kill);
    this.host.dropSlot(slot);
  }

  private watchLimits(): void {
    this.syncLimits();
    const a = this.applied;
    if (!a || (a.cpuPercent === null && a.pids === null)) return;
    const now = readCounters(this.host.cgroup);
    const before = this.counters ?? now;
    // Memory hits are judged at a SIGKILL exit (onTransition): keep their baseline for it.
    this.counters = { ...now, memoryHits: before.memoryHits, oomKills: before.oomKills };
    if (a.pids !== null && now.pidsDenied > before.pidsDenied) {
      this.host.event("limit", 0, 0, `the app reached its process limit (limits.pids ${a.pids}): ${now.pidsDenied - before.pidsDenied} fork(s) refused`);
    }
    if (a.cpuPercent !== null && now.throttled > before.throttled && Date.now() - this.lastThrottleEvent > THROTTLE_EVENT_MS) {
      this.lastThrottleEvent = Date.now();
      const ms = Math.round((now.throttledUs - before.throttledUs) / 1000);
      this.host.event("limit", 0, 0, `CPU throttled at limits.cpuPercent ${a.cpuPercent}%: ${now.throttled - before.throttled} period(s), ${ms} ms held back`);
    }
  }
}
