// The agent's metrics: every 10 s (aligned to the clock) one sample per app (process trees' CPU
// and memory, open fds, restarts, busy/idle workers, the socket's listen queue, and the requests
// its web server logged), stored on disk (sample-store) and pushed to the control plane; on
// demand a fresh reading (metrics.now, for a Prometheus scrape) and an app's history.
import { fstatSync } from "node:fs";
import path from "node:path";
import type { AppSample, FpmSample, ProcessSample, SocketSpec } from "../../lib/protocol";
import type { OsProcess } from "../supervisor/spawn-process";
import { listenersNamed } from "../supervisor/socket-use";
import { AccessLogs, type SiteAccessLog } from "./access-logs";
import { type QueueSnapshot, queueOf, readQueues } from "./listen-queue";
import { FINE_MS, SampleStore } from "./sample-store";
import { acceptedOn, processActivity, readSocketTables, type SocketTables } from "./worker-activity";

/** What the sampler needs of an app (AppRunner.metricsView plus its id and socket). */
export type MetricsSource = {
  appId: string;
  socket: SocketSpec;
  view(): { processes: { slot: number; proc: OsProcess }[]; restarts: number; socketFd: number | null; fpm?: FpmSample | null };
};

const RESEND_CHUNK = 2000;

function listenInode(socketFd: number | null, spec: SocketSpec): number | null {
  try {
    if (socketFd !== null) return fstatSync(socketFd).ino;
  } catch {
    // closed meanwhile
  }
  // An app that binds its own Unix socket: the listener bound at its path.
  if (spec.path) return listenersNamed((n) => n === spec.path).keys().next().value ?? null;
  return null;
}

export class AppMetrics {
  readonly store: SampleStore;
  readonly access = new AccessLogs();
  /** CPU time per process (pid:start) at the last stored sample: CPU% is the change since. */
  private cpuBase = new Map<string, { cpuNs: number; at: number }>();
  private timer: NodeJS.Timeout | null = null;
  private sender: ((samples: AppSample[]) => void) | null = null;
  private latest = new Map<string, AppSample>();

  constructor(
    stateDir: string,
    private sources: () => MetricsSource[],
    readonly intervalMs = FINE_MS,
  ) {
    this.store = new SampleStore(path.join(stateDir, "metrics"));
  }

  /** Starts sampling on the interval's boundaries (10:00:00, 10:00:10, ...). */
  start(): void {
    if (this.timer) return;
    const next = () => {
      const wait = this.intervalMs - (Date.now() % this.intervalMs);
      this.timer = setTimeout(() => {
        this.tick(Math.round(Date.now() / this.intervalMs) * this.intervalMs);
        next();
      }, wait);
      this.timer.unref();
    };
    // A first reading at once, so CPU has a base and the first sample is a whole interval.
    const seen = this.snapshot();
    for (const src of this.sources()) this.read(src, Date.now(), false, seen);
    next();
  }

  get running(): boolean {
    return this.timer !== null;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    void this.access.stop();
  }

  setSender(send: ((samples: AppSample[]) => void) | null): void {
    this.sender = send;
  }

  setSites(sites: SiteAccessLog[]): void {
    this.access.setSites(sites);
  }

  /** Everything of the last hour, for a control plane that just (re)connected: it drops what it has. */
  resend(): void {
    if (!this.sender) return;
    const all = this.sources().flatMap((s) => this.store.recent(s.appId));
    for (let i = 0; i < all.length; i += RESEND_CHUNK) this.sender(all.slice(i, i + RESEND_CHUNK));
  }

  tick(t: number): AppSample[] {
    const seen = this.snapshot(); // one read of the socket tables for every app
    const live = new Set<string>();
    const samples = this.sources().map((src) => this.read(src, t, true, seen, live));
    // Once for every app together: a base is stale only when no app lists its process any more
    // (pruned per app, each app's read dropped every other app's bases, and their CPU read 0).
    for (const key of this.cpuBase.keys()) if (!live.has(key)) this.cpuBase.delete(key);
    for (const s of samples) {
      this.store.append(s);
      this.latest.set(s.appId, s);
    }
    this.sender?.(samples);
    return samples;
  }

  /** A fresh reading of every app now: gauges as they are, requests of the interval so far. */
  now(): AppSample[] {
    const seen = this.snapshot();
    return this.sources().map((src) => this.read(src, Date.now(), false, seen));
  }

  query(appId: string, from: number, to: number, processes = false): AppSample[] {
    return this.store.query(appId, from, to, Date.now(), processes);
  }

  forget(appId: string): void {
    this.latest.delete(appId);
    this.access.forget(appId);
    this.store.remove(appId);
  }

  /** `settle`: a stored sample, which ends the request interval and moves the CPU base. */
  private snapshot(): { queues: QueueSnapshot; tables: SocketTables } {
    return { queues: readQueues(), tables: readSocketTables() };
  }

  /** `live` collects the processes read (pid:start), so a stored sample can prune the CPU bases of gone ones. */
  private read(src: MetricsSource, t: number, settle: boolean, seen: { queues: QueueSnapshot; tables: SocketTables }, live?: Set<string>): AppSample {
    const view = src.view();
    const inode = listenInode(view.socketFd, src.socket);
    const accepted = acceptedOn(seen.tables, inode);
    const now = Date.now();
    const perProcess: ProcessSample[] = [];
    for (const { slot, proc } of view.processes) {
      const usage = proc.usage();
      const key = `${proc.pid}:${proc.startTicks}`;
      live?.add(key);
      const base = this.cpuBase.get(key);
      const cpuPercent = base && now > base.at ? Math.max(0, ((usage.cpuNs - base.cpuNs) / 1e6 / (now - base.at)) * 100) : 0;
      if (settle || !base) this.cpuBase.set(key, { cpuNs: usage.cpuNs, at: now });
      let fds = 0;
      let busy = 0;
      let idle = 0;
      for (const pid of proc.pids()) {
        const a = processActivity(pid, inode, accepted);
        fds += a.fds;
        if (a.role === "busy") busy++;
        if (a.role === "idle") idle++;
      }
      perProcess.push({ slot, pid: proc.pid, cpuPercent: Math.round(cpuPercent * 10) / 10, rssBytes: usage.rssBytes, fds, workersBusy: busy, workersIdle: idle });
    }
    const window = this.access.window(src.appId);
    const req = settle ? window.take() : window.peek();
    const sum = (k: "cpuPercent" | "rssBytes" | "fds" | "workersBusy" | "workersIdle") => perProcess.reduce((n, p) => n + p[k], 0);
    return {
      appId: src.appId,
      t,
      step: this.intervalMs,
      cpuPercent: Math.round(sum("cpuPercent") * 10) / 10,
      rssBytes: sum("rssBytes"),
      fds: sum("fds"),
      restarts: view.restarts,
      processes: perProcess.length,
      // php-fpm's master holds the socket like an idle worker: the pool's own count is the truth there.
      workersBusy: view.fpm ? view.fpm.active : sum("workersBusy"),
      workersIdle: view.fpm ? view.fpm.idle : sum("workersIdle"),
      ...(view.fpm !== undefined ? { fpm: view.fpm } : {}),
      listenQueue: queueOf(seen.queues, inode),
      ...req,
      perProcess,
      totals: { ...window.totals },
    };
  }
}
