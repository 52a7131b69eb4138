// All apps of this host: applies desired state, dispatches operations, persists pids for adoption.
import path from "node:path";
import {
  type AgentOp,
  type AppStatus,
  type DesiredApp,
  type Err,
  err,
  ok,
  type ProcessTransition,
  type Result,
} from "../../lib/protocol";
import type { WebTargets } from "../../lib/protocol";
import { WebServerRegistry } from "../apply/web-server-registry";
import { isDeployOp, Rooms } from "./rooms";
import { liveSpec } from "../deploy/live-spec";
import { WebServerLogWatcher } from "../logs/webserver-log-watcher";
import { siteAccessLogsOf, siteLogsOf } from "../apply/site-logs";
import { type RenewalOutcome, scheduleRenewals } from "../apply/acme-renewal";
import { AppMetrics } from "../metrics/app-metrics";
import { socketAddress as errorLogAddress, type WebServer } from "../logs/webserver-errors";
import { LogService } from "../logs/log-service";
import { setLogRoot } from "../logs/log-storage-status";
import type { LogLimits } from "../logs/log-store";
import { type AppOpsHost, executeAppOp, validateApp } from "./app-ops";
import { AppRunner } from "./app-runner";
import { discoverUnmanaged, renewSiteCertificates } from "./host-web";
import { planLaunch } from "./launch-plan";
import { Revisions } from "./revisions";
import { needsNewProcesses } from "./spec-change";
import { sweepEmptyGroups } from "./cgroup-sweep";
import { offerStandby } from "../keeper/keeper-link";
import { unclaimed } from "../keeper/keeper-handback";
import { closeFd } from "../native";
import { readEnded } from "./spawn-process";
import { readState, writeState } from "./state-file";
import { type SupervisorListener, SupervisorFeed } from "./supervisor-feed";

/** A busy app's CPU and RSS in the process table are at most this old. */
const USAGE_REFRESH_MS = 10_000;

export type SupervisorOptions = {
  stateDir: string;
  socketDirs: string[];
  logLimits?: LogLimits;
  /** Operator overrides of the web targets (STOKER_WEB_TARGETS). */
  webTargets?: WebTargets;
  /** Web-server error logs to follow and attribute to apps by socket (default: the detected servers'). */
  webErrorLogs?: Partial<Record<WebServer, string>>;
  /** Look for installed web servers (the agent does; tests that bring their own servers do not). */
  detectWebServers?: boolean;
  /** Sample app metrics every 10 s (default: on unless STOKER_METRICS=off). */
  metrics?: boolean;
  /** How often a status goes out with fresh CPU and RSS while nothing else changes (default 10 s). */
  usageRefreshMs?: number;
};
export type { SupervisorListener } from "./supervisor-feed";

export class Supervisor {
  readonly apps = new Map<string, AppRunner>();
  readonly logs: LogService;
  /** Debug sessions, deployments, web config, discovery: loaded on first use. */
  readonly rooms: Rooms;
  readonly metrics: AppMetrics;
  /** Desired state as sent (template specs with `{release}`); runners hold the resolved spec. */
  private readonly templates = new Map<string, DesiredApp>();
  private readonly revisions = new Revisions();
  private readonly webLogs: WebServerLogWatcher;
  readonly webServers: WebServerRegistry;
  private readonly feed = new SupervisorFeed();
  private statusTimer: NodeJS.Timeout | null = null;
  private readonly usageTimer: NodeJS.Timeout;
  private readonly stateFile: string;
  private adopting = false;
  // After detachAll the state file is the next agent's: nothing here reports or writes any more.
  private detached = false;

  constructor(private opts: SupervisorOptions) {
    this.stateFile = path.join(opts.stateDir, "state.json");
    this.logs = new LogService(opts.stateDir);
    setLogRoot(opts.stateDir);
    this.webServers = opts.detectWebServers
      ? new WebServerRegistry(opts.stateDir, opts.webTargets ?? {})
      : new WebServerRegistry(opts.stateDir, opts.webTargets ?? {}, async () => []);
    this.rooms = new Rooms({
      stateDir: opts.stateDir,
      socketDirs: opts.socketDirs,
      webTargets: () => this.webServers.targets(),
      deployHost: {
        template: (appId) => this.templates.get(appId),
        runner: (appId) => this.apps.get(appId),
        reapply: async (appId) => {
          const t = this.templates.get(appId);
          if (t) await this.put(t);
        },
        changed: () => this.changed(),
      },
      uploadDir: path.join(opts.stateDir, "deploy-uploads"),
    });
    this.metrics = new AppMetrics(opts.stateDir, () =>
      [...this.apps.values()].map((r) => ({ appId: r.appId, socket: r.desired.spec.socket, view: () => r.metricsView() })),
    );
    if (opts.metrics ?? process.env.STOKER_METRICS !== "off") this.metrics.start();
    this.webLogs = new WebServerLogWatcher(opts.webErrorLogs ?? {}, () =>
      [...this.apps.values()].map((r) => ({
        appId: r.appId,
        socket: errorLogAddress(r.desired.spec.socket) ?? "",
        sink: r.sink,
        recentTracebacks: () => this.logs.recent(r.appId).tracebacks,
        recentExits: () => this.logs.recent(r.appId).exits,
      })),
      path.join(opts.stateDir, "site-logs"),
    );
    if (opts.webErrorLogs) this.webLogs.start();
    // A status goes out on every change only: without this, a process's CPU and RSS (the process
    // table, GET /apps/ID) stayed as they were at its last transition, 0% for a busy app.
    this.usageTimer = setInterval(() => {
      if (this.apps.size && !this.statusTimer) this.feed.status(this.status());
    }, opts.usageRefreshMs ?? USAGE_REFRESH_MS);
    this.usageTimer.unref();
  }

  /** Detects the installed web servers, then follows their error logs (unless given explicitly). */
  async startWebServers(): Promise<void> {
    await this.webServers.refresh();
    if (!this.opts.webErrorLogs) this.webLogs.start(this.webServers.errorLogs());
    // Packages come and go: look again now and then (cheap: a few stats and `-v` calls).
    setInterval(() => void this.webServers.refresh(), 5 * 60_000).unref();
    // ACME certificates: checked daily (counted across restarts), renewed through the apply pipeline when within 30 days of expiry.
    scheduleRenewals(this.opts.stateDir, () => this.renewCertificates());
  }

  /** Applies again every web.tls.acme site whose certificate is due; the outcome goes to the app's log. */
  async renewCertificates(now = new Date()): Promise<RenewalOutcome[]> {
    const apply = (appId: string) => this.execute({ op: "webconfig.apply", appId });
    return renewSiteCertificates(this.opts.stateDir, [...this.templates.values()], apply, (appId, line) => this.apps.get(appId)?.sink.note(line), now);
  }

  /** The specs of every app (templates), for the apply's "other sites must still answer" check. */
  private siblingSpecs(except: string) {
    return [...this.templates.values()].filter((t) => t.appId !== except).map((t) => t.spec);
  }

  listen(listener: SupervisorListener): () => void {
    return this.feed.listen(listener);
  }

  /** What happened while no agent ran (the log keeper's replacements), for the apps' timelines. */
  reportPast(transitions: ProcessTransition[]): void {
    this.feed.reportPast(transitions);
  }

  private runner(desired: DesiredApp): AppRunner {
    const runner = new AppRunner(
      desired,
      { logDir: path.join(this.opts.stateDir, "logs"), socketDirs: this.opts.socketDirs, logLimits: this.opts.logLimits, stateDir: this.opts.stateDir },
      {
        transition: (t) => this.feed.transition(t),
        changed: () => this.changed(),
        persist: () => this.persist(),
      },
    );
    this.logs.attach(desired.appId, runner.sink);
    return runner;
  }

  /** Coalesces bursts of changes into one status report and one state-file write. */
  private changed(): void {
    if (this.statusTimer || this.detached) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      this.persist();
      // Each site's own error log, as the sites now are (an app added, moved or removed).
      this.webLogs.setSiteLogs(siteLogsOf([...this.templates.values()], this.webServers.targets()));
      if (this.metrics.running) this.metrics.setSites(siteAccessLogsOf([...this.templates.values()], this.webServers.targets()));
      const apps = this.status();
      this.feed.status(apps);
    }, 20);
  }

  persist(): void {
    // Adopting: the file still names apps not yet adopted (written once at the end); detached: it is the next agent's.
    if (this.adopting || this.detached) return;
    // With the pids: what the log keeper needs to replace processes while this agent is away.
    offerStandby([...this.apps.values()].flatMap((a) => a.standby() ?? []));
    try {
      this.writeStateFile();
    } catch (e) {
      // A full disk: the previous state file stays whole (written by rename); try again until it fits.
      console.error(`[agent] cannot save ${this.stateFile}: ${e instanceof Error ? e.message : String(e)}`);
      setTimeout(() => this.changed(), 5000).unref();
    }
  }

  private writeStateFile(): void {
    writeState(
      this.stateFile,
      // The template is saved, not the resolved spec: adoption resolves it against `current` again.
      [...this.apps.values()].map((a) => ({ ...a.saved(), desired: this.templates.get(a.appId) ?? a.desired, ...this.revisions.saved(a.appId) })),
    );
  }

  status(): AppStatus[] {
    return [...this.apps.values()].map((a) => this.statusOf(a));
  }

  /** An app's status: `revision` is the desired one, beside the running one and a failed one. */
  private statusOf(a: AppRunner): AppStatus {
    const failed = this.revisions.failedOf(a.appId);
    const own = a.status();
    return {
      ...own,
      revision: this.templates.get(a.appId)?.revision ?? own.revision,
      runningRevision: this.revisions.runningOf(a.appId)?.revision ?? null,
      failedRevision: failed?.revision ?? null,
      lastError: own.lastError || (failed ? `Revision ${failed.revision} is not applied: ${failed.message}` : ""),
      prematureErrors: this.logs.recentPremature(a.appId),
    };
  }

  /** After an agent restart: take back every process the previous agent left running. */
  async adoptAll(): Promise<void> {
    // Empty groups of dead agents and removed apps go first; groups with live processes stay for adoption.
    sweepEmptyGroups(this.opts.stateDir);
    this.adopting = true;
    try {
      await this.adoptEach();
    } finally {
      this.adopting = false;
    }
    // Taken back from the log keeper but not adopted: processes that ended meanwhile, apps gone.
    const left = unclaimed();
    for (const p of left.pipes) {
      const runner = this.apps.get(p.appId);
      if (runner) readEnded(p.pid, p, runner.sink);
      else for (const fd of [p.out, p.err]) if (fd !== null) closeFd(fd);
    }
    for (const fd of left.sockets) closeFd(fd);
    this.persist();
    this.changed(); // reports, and follows the adopted apps' site logs
  }

  private async adoptEach(): Promise<void> {
    for (const saved of readState(this.stateFile)) {
      this.templates.set(saved.desired.appId, saved.desired);
      // The revision that ran, not a saved one that failed to apply (or was being applied).
      const run = this.revisions.restore(saved.desired, saved);
      const spec = liveSpec(run.spec);
      const desired = spec ? { ...run, spec } : run;
      const runner = this.runner(desired);
      this.apps.set(saved.desired.appId, runner);
      if (spec) await runner.serialize(() => runner.adopt({ ...saved, desired }, this.feed.exitsReported));
      if (spec) runner.schedules.sync(); // a time missed while no agent ran is caught up (or noted) here
    }
  }

  /**
   * Makes the host match a complete desired list (control-plane sync or config file). Resolves with
   * each app that could not be put in place and why (a config file's author sees nothing else).
   */
  async sync(desired: DesiredApp[]): Promise<{ name: string; message: string }[]> {
    const wanted = new Set(desired.map((d) => d.appId));
    for (const [id, runner] of this.apps) {
      if (!wanted.has(id)) {
        const tpl = this.templates.get(id)?.spec ?? runner.desired.spec;
        const { removeAppWebConfig } = await this.rooms.webConfig();
        await removeAppWebConfig(tpl, this.webServers.targets(), this.siblingSpecs(id), this.opts.stateDir);
        await runner.serialize(() => runner.remove());
        this.forget(id);
      }
    }
    const results = await Promise.all(desired.map((d) => this.put(d)));
    this.changed();
    const why = (e: Err) => [e.message, ...(e.fields ?? []).map((f) => `${f.path}: ${f.message}`)].join(" ");
    return results.flatMap((r, i) => (r.ok ? [] : [{ name: desired[i].spec.name, message: why(r) }]));
  }

  /** pids of every process Stoker runs here (what an import may not adopt again). */
  private ownPids(): Set<number> {
    return new Set([...this.apps.values()].flatMap((r) => r.saved().processes.map((p) => p.pid)));
  }

  /** `adopt`: a new app taking over running processes (discovery's import) instead of starting new ones. */
  async put(template: DesiredApp, retry = false, adopt?: number[]): Promise<Result<AppStatus>> {
    if (adopt && this.apps.has(template.appId)) return err("CONFLICT", "This app already runs here: only a new app adopts processes.");
    if (!retry && this.revisions.isKnownFailure(template)) {
      this.templates.set(template.appId, template);
      const failed = this.revisions.failedOf(template.appId);
      return err("FAILED", `Revision ${template.revision} failed to apply here before (${failed?.message}); retry it or revert to the running revision.`);
    }
    const spec = liveSpec(template.spec);
    const next = spec ? { ...template, spec } : template;
    const plan = planLaunch(next.spec, this.opts.socketDirs, { purpose: "app", rootApproved: next.rootApproved });
    if (spec && !plan.ok) return plan;
    this.templates.set(template.appId, template);
    let runner = this.apps.get(next.appId);
    if (!runner) {
      runner = this.runner(next);
      this.apps.set(next.appId, runner);
    }
    const r = runner;
    if (template.spec.web?.tls?.acme) {
      // An ACME site's certificate paths exist (a placeholder) once its app does, not only after its first apply.
      const made = await (await this.rooms.webConfig()).prepareSitePaths(template.spec, this.webServers.targets(), this.siblingSpecs(template.appId), this.opts.stateDir);
      if (!made.ok) r.sink.note(made.message);
    }
    // A running deployment decides which release runs (it re-applies this when it ends); an app
    // whose spec uses {release} has nothing to run before its first deployment.
    if (!spec || this.rooms.deploying(next.appId)) {
      this.changed();
      return ok(r.status());
    }
    const result = await r.serialize(async () => {
      if (adopt) return r.adoptRunning(adopt, this.ownPids());
      const changed = needsNewProcesses(r.desired.spec, next.spec);
      if (next.desired === "stopped") {
        r.desired = next;
        return r.stop();
      }
      if (changed && r.slots.some((s) => s.proc)) {
        const restarted = await r.restart(next);
        // Workers follow the switch: a new release's (or spec's) workers replace the old ones after it.
        if (restarted.ok) await r.syncWorkers();
        return restarted;
      }
      r.desired = next;
      const started = await r.start();
      if (started.ok) await r.syncWorkers();
      return started;
    });
    if (!result.ok && adopt) {
      // Nothing was taken over: the app is not kept half-made (its socket file is the other program's: left alone).
      r.sink.close();
      this.logs.forget(next.appId);
      this.apps.delete(next.appId);
      this.templates.delete(next.appId);
      this.changed();
      return result;
    }
    r.schedules.sync(); // armed while the app should run, from the spec it runs now
    if (result.ok) {
      this.revisions.applied(template);
      r.clearError(); // what failed before belonged to a revision that is no longer wanted
    }
    else this.revisions.failedToApply(template, result.message);
    this.changed();
    return result.ok ? ok(this.statusOf(r)) : result;
  }

  /** Executes one operation from the control plane (or the local control socket). */
  async execute(op: AgentOp): Promise<Result<unknown>> {
    if (op.op === "app.validate") return validateApp(op, this.opts.socketDirs, () => this.ownPids());
    if (op.op === "app.put") return this.put(op.app, false, op.adopt?.pids);
    if (op.op === "host.discover") return ok(await this.discover());
    if (op.op === "host.browse") return (await this.rooms.guided()).browseDir(op.path, op.user, op.rootApproved === true);
    if (op.op === "app.propose") {
      return (await this.rooms.guided()).proposeFromScript(op.script, op.user, op.name, this.opts.socketDirs[0] ?? "/run/stoker", op.runtime, op.rootApproved === true);
    }
    if (op.op === "agent.upgrade") return err("BAD_REQUEST", "An upgrade comes from the control plane over the agent's link.");
    if (op.op === "pty.recording") return (await this.rooms.debug()).recording(op.sessionId);
    if (op.op === "host.web-targets") {
      this.webServers.setHostSetting(op.targets);
      this.webLogs.start(this.opts.webErrorLogs ?? this.webServers.errorLogs());
      return ok({ webServers: this.webServers.facts() });
    }
    if (isDeployOp(op)) return (await this.rooms.deploys()).execute(op);
    if (op.op === "metrics.now") return ok(this.metrics.now());
    if (op.op === "metrics.query") return ok(await this.metrics.query(op.appId, op.from, op.to, op.processes ?? false));
    const runner = this.apps.get(op.appId);
    if (!runner) return err("NOT_FOUND", `This host does not run app ${op.appId}.`);
    return executeAppOp(this.appOpsHost(), runner, op);
  }

  /** The door an app's operations go through (app-ops.ts). */
  private appOpsHost(): AppOpsHost {
    return {
      stateDir: this.opts.stateDir,
      logs: this.logs,
      rooms: this.rooms,
      webServers: this.webServers,
      revisions: this.revisions,
      template: (appId) => this.templates.get(appId),
      siblingSpecs: (except) => this.siblingSpecs(except),
      put: (template, retry) => this.put(template, retry),
      forget: (appId) => this.forget(appId),
      changed: () => this.changed(),
    };
  }

  /** Drops a removed app (its runner already removed) from everything that kept it by id. */
  private forget(appId: string): void {
    this.logs.forget(appId);
    this.metrics.forget(appId);
    this.apps.delete(appId);
    this.templates.delete(appId);
    this.revisions.forget(appId);
  }

  /** FastCGI apps on this host that Stoker does not run yet (discovery/discover.ts). */
  discover() {
    return discoverUnmanaged(this.rooms, this.webServers.targets(), [...this.apps.values()].map((r) => r.desired.spec.socket));
  }

  /** Agent shutdown: processes keep running for the next agent to adopt. */
  detachAll(): void {
    void this.webLogs.stop();
    this.metrics.stop();
    clearInterval(this.usageTimer);
    this.logs.flushAll(); // traceback groups survive the restart
    this.persist();
    this.detached = true; // else its children's exits (a next agent here stopping them) write a stale list over the next one's
    clearTimeout(this.statusTimer ?? undefined);
    for (const runner of this.apps.values()) runner.detach();
  }
}
