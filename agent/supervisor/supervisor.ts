// All apps of this host: applies desired state, dispatches operations, persists pids for adoption.
import path from "node:path";
import {
  type AgentOp,
  type AppStatus,
  type DesiredApp,
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
import { checkWebPaths } from "../apply/web-paths";
import { RENEWAL_CHECK_MS, type RenewalOutcome, renewDueCertificates } from "../apply/acme-renewal";
import { AppMetrics } from "../metrics/app-metrics";
import { socketAddress as errorLogAddress, type WebServer } from "../logs/webserver-errors";
import { LogService } from "../logs/log-service";
import { setLogRoot } from "../logs/log-storage-status";
import type { LogLimits } from "../logs/log-store";
import { sendTestRequest } from "../fastcgi/test-request";
import { AppRunner } from "./app-runner";
import { socketAddress, stagedGeneration } from "./app-socket";
import { checkAdoption } from "./adopt-foreign";
import { planLaunch } from "./launch-plan";
import { Revisions } from "./revisions";
import { needsNewProcesses } from "./spec-change";
import { sweepEmptyGroups } from "./cgroup-sweep";
import { offerStandby } from "../keeper/keeper-link";
import { unclaimed } from "../keeper/keeper-handback";
import { closeFd } from "../native";
import { readEnded } from "./spawn-process";
import { readState, writeState } from "./state-file";

const MAX_UNHEARD = 5000;

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
};
export type SupervisorListener = {
  status(apps: AppStatus[]): void;
  transition(t: ProcessTransition): void;
};

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
  private listeners = new Set<SupervisorListener>();
  private exitsReported = new Set<number>(); // pids whose exit the log keeper already reported
  private unheard: ProcessTransition[] = []; // transitions before anyone listened (adoption at start)
  private statusTimer: NodeJS.Timeout | null = null;
  private readonly stateFile: string;
  private adopting = false;

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
  }

  /** Detects the installed web servers, then follows their error logs (unless given explicitly). */
  async startWebServers(): Promise<void> {
    await this.webServers.refresh();
    if (!this.opts.webErrorLogs) this.webLogs.start(this.webServers.errorLogs());
    // Packages come and go: look again now and then (cheap: a few stats and `-v` calls).
    setInterval(() => void this.webServers.refresh(), 5 * 60_000).unref();
    // ACME certificates: checked daily, renewed through the apply pipeline when within 30 days of expiry.
    setInterval(() => void this.renewCertificates(), RENEWAL_CHECK_MS).unref();
  }

  /** Applies again every web.tls.acme site whose certificate is due; the outcome goes to the app's log. */
  async renewCertificates(now = new Date()): Promise<RenewalOutcome[]> {
    const sites = [...this.templates.values()].flatMap((t) => {
      const acme = t.spec.web?.tls?.acme;
      return acme && t.spec.web ? [{ appId: t.appId, serverName: t.spec.web.serverName, acme }] : [];
    });
    if (!sites.length) return [];
    return renewDueCertificates(
      this.opts.stateDir,
      sites,
      async (appId) => {
        const applied = await this.execute({ op: "webconfig.apply", appId });
        if (!applied.ok) return applied;
        const v = applied.value as { ok: boolean; message: string };
        return { ok: true, value: { ok: v.ok, message: v.message } };
      },
      (o) => {
        const runner = this.apps.get(o.appId);
        runner?.sink.note(`${o.renewed ? "ACME renewal succeeded" : "ACME renewal FAILED"}: ${o.message}`);
        console.log(`[agent] ${o.message}`);
      },
      now,
    );
  }

  /** The specs of every app (templates), for the apply's "other sites must still answer" check. */
  private siblingSpecs(except: string) {
    return [...this.templates.values()].filter((t) => t.appId !== except).map((t) => t.spec);
  }

  listen(listener: SupervisorListener): () => void {
    this.listeners.add(listener);
    // Adoption happens before the control link exists: what happened meanwhile goes to the first listener.
    for (const t of this.unheard.splice(0)) listener.transition(t);
    return () => this.listeners.delete(listener);
  }

  /** What happened while no agent ran (the log keeper's replacements), for the apps' timelines. */
  reportPast(transitions: ProcessTransition[]): void {
    for (const t of transitions) {
      if (t.to === "EXITED") this.exitsReported.add(t.pid);
      this.transition(t);
    }
  }

  private transition(t: ProcessTransition): void {
    if (!this.listeners.size) {
      this.unheard.push(t);
      if (this.unheard.length > MAX_UNHEARD) this.unheard.shift();
    }
    for (const l of this.listeners) l.transition(t);
  }

  private runner(desired: DesiredApp): AppRunner {
    const runner = new AppRunner(
      desired,
      { logDir: path.join(this.opts.stateDir, "logs"), socketDirs: this.opts.socketDirs, logLimits: this.opts.logLimits, stateDir: this.opts.stateDir },
      {
        transition: (t) => this.transition(t),
        changed: () => this.changed(),
        persist: () => this.persist(),
      },
    );
    this.logs.attach(desired.appId, runner.sink);
    return runner;
  }

  /** Coalesces bursts of changes into one status report and one state-file write. */
  private changed(): void {
    if (this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      this.persist();
      // Each site's own error log, as the sites now are (an app added, moved or removed).
      this.webLogs.setSiteLogs(siteLogsOf([...this.templates.values()], this.webServers.targets()));
      if (this.metrics.running) this.metrics.setSites(siteAccessLogsOf([...this.templates.values()], this.webServers.targets()));
      const apps = this.status();
      for (const l of this.listeners) l.status(apps);
    }, 20);
  }

  persist(): void {
    if (this.adopting) return; // the file still names apps not yet adopted: written once at the end
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
      if (spec) await runner.serialize(() => runner.adopt({ ...saved, desired }, this.exitsReported));
      if (spec) runner.schedules.sync(); // a time missed while no agent ran is caught up (or noted) here
    }
  }

  /** Makes the host match a complete desired list (control-plane sync or config file). */
  async sync(desired: DesiredApp[]): Promise<void> {
    const wanted = new Set(desired.map((d) => d.appId));
    for (const [id, runner] of this.apps) {
      if (!wanted.has(id)) {
        const tpl = this.templates.get(id)?.spec ?? runner.desired.spec;
        const { removeAppWebConfig } = await this.rooms.webConfig();
        await removeAppWebConfig(tpl, this.webServers.targets(), this.siblingSpecs(id), this.opts.stateDir);
        await runner.serialize(() => runner.remove());
        this.logs.forget(id);
        this.metrics.forget(id);
        this.apps.delete(id);
        this.templates.delete(id);
        this.revisions.forget(id);
      }
    }
    await Promise.all(desired.map((d) => this.put(d)));
    this.changed();
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
    if (op.op === "app.validate") {
      const plan = planLaunch(op.spec, this.opts.socketDirs, { purpose: "app", rootApproved: op.rootApproved });
      if (!plan.ok) return plan;
      if (op.adopt) {
        const adoptable = checkAdoption(op.spec, op.adopt.pids, this.ownPids());
        if (!adoptable.ok) return adoptable;
      }
      // The web section's files must exist now, readable by whoever reads them (not only at apply).
      const missing = checkWebPaths(op.spec, plan.value.userName);
      return missing.length ? err("BAD_REQUEST", missing.map((f) => f.message).join(" "), { fields: missing }) : ok({ valid: true });
    }
    if (op.op === "app.put") return this.put(op.app, false, op.adopt?.pids);
    if (op.op === "host.discover") return ok(await this.discover());
    if (op.op === "host.browse") return (await this.rooms.guided()).browseDir(op.path, op.user);
    if (op.op === "app.propose") return (await this.rooms.guided()).proposeFromScript(op.script, op.user, op.name, this.opts.socketDirs[0] ?? "/run/stoker", op.runtime);
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
    // Reads never wait behind a restart in progress.
    if (op.op === "app.test-request") {
      return sendTestRequest(runner.desired.spec, socketAddress(runner.desired.spec.socket), op.request);
    }
    if (op.op === "tracebacks.list") return ok(this.logs.tracebacks(op.appId));
    if (op.op === "schedules.list") return ok({ schedules: runner.schedules.list() });
    if (op.op === "logs.follow") return ok({ following: this.logs.follow(op.appId, op.on, op.by) });
    if (op.op.startsWith("logs.")) {
      await runner.sink.settled(); // lines the agent wrote just before (notes) are in the files
      return (await this.rooms.logReads()).readLogOp(runner.sink.dir, op);
    }
    const webTargets = this.webServers.targets();
    // The web config is rendered from the template: it must outlive each release (see forWebServer).
    const template = this.templates.get(op.appId)?.spec ?? runner.desired.spec;
    // An app's config is its site's file, which holds every app of this host on the same site.
    if (op.op === "webconfig.get") return (await this.rooms.webConfig()).getWebConfig(template, webTargets, op.server, this.siblingSpecs(op.appId), this.opts.stateDir);
    if (op.op === "webconfig.apply") {
      const applied = await (await this.rooms.webConfig()).applyAppWebConfig(template, webTargets, op.server, op.text, this.siblingSpecs(op.appId), this.opts.stateDir);
      if (applied.ok) this.webServers.recordApply(applied.value.server, applied.value);
      return applied;
    }
    // While a saved revision is not applied, the doctor and run-by-hand look at that one: it is the
    // one to diagnose (the running revision works).
    const pendingFailed = this.revisions.failedOf(op.appId) ? liveSpec(template) : null;
    const diagnosed = pendingFailed ?? runner.desired.spec;
    // uid 0 needs both: the owner approved the diagnosed revision, and the one asking now is an owner.
    const rootApproved = (op.op === "app.doctor" || op.op === "app.run-by-hand") && op.allowRoot && ((pendingFailed ? this.templates.get(op.appId)?.rootApproved : runner.desired.rootApproved) ?? false);
    if (op.op === "app.doctor") {
      const pids = runner.processes().map((p) => p.pid).filter(Boolean);
      // Tracebacks as the log pipeline recognised them (a startup ImportError scrolls out of the
      // short per-process tails once every request logs a line), then those tails.
      const tracebacks = this.logs.recent(op.appId).tracebacks.map((t) => t.text);
      const tails = runner.processes().map((p) => runner.outputOf(p.pid || 0));
      return (await this.rooms.debug()).doctor(diagnosed, [...tracebacks, ...tails].join("\n"), pids, rootApproved);
    }
    if (op.op === "app.run-by-hand") return (await this.rooms.debug()).runByHand(diagnosed, rootApproved);
    if (op.op === "app.running-spec") {
      const running = this.revisions.runningOf(op.appId);
      return running ? ok({ revision: running.revision, spec: running.spec }) : err("NOT_FOUND", "No revision of this app has run on this host yet.");
    }
    if (op.op === "app.retry") {
      const desired = this.templates.get(op.appId);
      return desired ? this.put(desired, true) : err("NOT_FOUND", `This host does not run app ${op.appId}.`);
    }
    if (op.op === "pty.open") return (await this.rooms.debug()).openPty(runner.desired.spec, op, runner.desired.rootApproved);
    const setDesired = (desired: "running" | "stopped") => {
      runner.desired = { ...runner.desired, desired };
    };
    const result = await runner.serialize(async (): Promise<Result<unknown>> => {
      switch (op.op) {
        case "app.remove": {
          // The app's web config goes first, through the whole pipeline: a config that broke the
          // server must not outlive the app, and a refused removal keeps the app to retry.
          const tpl = this.templates.get(op.appId)?.spec ?? runner.desired.spec;
          const web = await (await this.rooms.webConfig()).removeAppWebConfig(tpl, this.webServers.targets(), this.siblingSpecs(op.appId), this.opts.stateDir);
          if (web.ok && web.value) this.webServers.recordApply(web.value.server, web.value);
          if (web.ok && web.value && !web.value.ok) {
            return err("FAILED", `Could not remove the app's ${web.value.server} config: ${web.value.message}`, { detail: web.value });
          }
          await runner.remove();
          this.logs.forget(op.appId);
          this.metrics.forget(op.appId);
          this.apps.delete(op.appId);
          this.templates.delete(op.appId);
          this.revisions.forget(op.appId);
          return ok({ removed: true, webConfig: web.ok ? web.value : null });
        }
        case "app.start":
          setDesired("running");
          return runner.start();
        case "app.stop":
          setDesired("stopped");
          return runner.stop();
        case "app.restart": {
          setDesired("running");
          const restarted = await runner.restart();
          if (restarted.ok) await runner.syncWorkers(true);
          return restarted;
        }
        case "worker.restart":
          return (await runner.workers.restart(op.name, op.index)) ? ok(runner.workers.status()) : err("NOT_FOUND", `This app has no running worker ${op.name}${op.index === undefined ? "" : `#${op.index}`}.`);
        case "app.reload":
          return runner.reload();
        case "process.restart":
          return runner.restartProcess(op.pid);
        case "process.kill":
          return runner.killProcess(op.pid);
        default:
          return err("BAD_REQUEST", `Unknown operation ${op.op}.`);
      }
    });
    if (op.op === "app.start" || op.op === "app.stop" || op.op === "app.restart") runner.schedules.sync();
    this.changed();
    return result;
  }

  /** FastCGI apps on this host that Stoker does not run yet (discovery/discover.ts). */
  async discover() {
    const { DEFAULT_ROOTS, discover } = await this.rooms.discovery();
    const t = this.webServers.targets();
    const dirs = (k: "nginx" | "lighttpd" | "apache") => (t[k]?.dir ? [t[k].dir] : []);
    const roots = { ...DEFAULT_ROOTS, nginx: [...DEFAULT_ROOTS.nginx, ...dirs("nginx")], lighttpd: [...DEFAULT_ROOTS.lighttpd, ...dirs("lighttpd")], apache: [...DEFAULT_ROOTS.apache, ...dirs("apache")] };
    const sockets = [...this.apps.values()].map((r) => r.desired.spec.socket);
    const managed = (address: string) =>
      sockets.some((s) => socketAddress(s) === address || (s.path !== undefined && address.startsWith("unix:") && stagedGeneration(s.path, address.slice(5)) !== null));
    return discover(roots, managed);
  }

  /** Agent shutdown: processes keep running for the next agent to adopt. */
  detachAll(): void {
    void this.webLogs.stop();
    this.metrics.stop();
    this.logs.flushAll(); // traceback groups survive the restart
    this.persist();
    for (const runner of this.apps.values()) runner.detach();
  }
}
