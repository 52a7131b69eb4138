// One app's operations from the control plane (or the local control socket): reads, the web
// config, the doctor, and the lifecycle operations run in the app's own queue. The supervisor finds
// the app and hands it here with the door below; host-wide operations stay in the supervisor.
import path from "node:path";
import type { AgentOp, AppSpec, AppStatus, DesiredApp, Result } from "../../lib/protocol";
import { err, ok } from "../../lib/protocol";
import { checkWebPaths } from "../apply/web-paths";
import type { WebServerRegistry } from "../apply/web-server-registry";
import { liveSpec } from "../deploy/live-spec";
import { sendTestRequest } from "../fastcgi/test-request";
import type { LogService } from "../logs/log-service";
import { readTail } from "../logs/read-positions";
import type { AppRunner } from "./app-runner";
import { socketAddress } from "./app-socket";
import { checkAdoption } from "./adopt-foreign";
import { planLaunch } from "./launch-plan";
import type { Revisions } from "./revisions";
import type { Rooms } from "./rooms";

/** What an app's operation reaches of the supervisor. */
export type AppOpsHost = {
  stateDir: string;
  logs: LogService;
  rooms: Rooms;
  webServers: WebServerRegistry;
  revisions: Revisions;
  /** Desired state as sent (the template, with `{release}`); the runner holds the resolved spec. */
  template(appId: string): DesiredApp | undefined;
  /** The specs of every other app, for the apply's "other sites must still answer" check. */
  siblingSpecs(except: string): AppSpec[];
  put(template: DesiredApp, retry: boolean): Promise<Result<AppStatus>>;
  /** Drops a removed app from the supervisor's books (logs, metrics, templates, revisions). */
  forget(appId: string): void;
  changed(): void;
};

/** Executes `op` on the app `runner` runs. */
export async function executeAppOp(host: AppOpsHost, runner: AppRunner, op: AgentOp & { appId: string }): Promise<Result<unknown>> {
  // Reads never wait behind a restart in progress.
  if (op.op === "app.test-request") {
    return sendTestRequest(runner.desired.spec, socketAddress(runner.desired.spec.socket), op.request);
  }
  if (op.op === "tracebacks.list") return ok(host.logs.tracebacks(op.appId));
  if (op.op === "schedules.list") return ok({ schedules: runner.schedules.list() });
  if (op.op === "logs.follow") return ok({ following: host.logs.follow(op.appId, op.on, op.by) });
  if (op.op.startsWith("logs.")) {
    await runner.sink.settled(); // lines the agent wrote just before (notes) are in the files
    return (await host.rooms.logReads()).readLogOp(runner.sink.dir, op);
  }
  const webTargets = host.webServers.targets();
  // The web config is rendered from the template: it must outlive each release (see forWebServer).
  const template = host.template(op.appId)?.spec ?? runner.desired.spec;
  // An app's config is its site's file, which holds every app of this host on the same site.
  if (op.op === "webconfig.get") return (await host.rooms.webConfig()).getWebConfig(template, webTargets, op.server, host.siblingSpecs(op.appId), host.stateDir);
  if (op.op === "webconfig.apply") {
    const applied = await (await host.rooms.webConfig()).applyAppWebConfig(template, webTargets, op.server, op.text, host.siblingSpecs(op.appId), host.stateDir);
    if (applied.ok) host.webServers.recordApply(applied.value.server, applied.value);
    return applied;
  }
  // While a saved revision is not applied, the doctor and run-by-hand look at that one: it is the
  // one to diagnose (the running revision works).
  const pendingFailed = host.revisions.failedOf(op.appId) ? liveSpec(template) : null;
  const diagnosed = pendingFailed ?? runner.desired.spec;
  // uid 0 needs both: the owner approved the diagnosed revision, and the one asking now is an owner.
  const rootApproved = (op.op === "app.doctor" || op.op === "app.run-by-hand") && op.allowRoot && ((pendingFailed ? host.template(op.appId)?.rootApproved : runner.desired.rootApproved) ?? false);
  if (op.op === "app.doctor") {
    const pids = runner.processes().map((p) => p.pid).filter(Boolean);
    // Tracebacks as the log pipeline recognised them (a startup ImportError scrolls out of the
    // short per-process tails once every request logs a line), then those tails.
    const tracebacks = host.logs.recent(op.appId).tracebacks.map((t) => t.text);
    const tails = runner.processes().map((p) => runner.outputOf(p.pid || 0));
    // The web server's lines about the app (a 502 the app never saw, e.g. headers too big for nginx).
    const webLines = (await readTail(path.join(host.stateDir, "logs", op.appId), 500).catch(() => [])).filter((l) => l.stream === "web").map((l) => l.text);
    return (await host.rooms.debug()).doctor(diagnosed, [...tracebacks, ...tails].join("\n"), pids, rootApproved, runner.down(), webLines);
  }
  if (op.op === "app.run-by-hand") return (await host.rooms.debug()).runByHand(diagnosed, rootApproved);
  if (op.op === "app.running-spec") {
    const running = host.revisions.runningOf(op.appId);
    return running ? ok({ revision: running.revision, spec: running.spec }) : err("NOT_FOUND", "No revision of this app has run on this host yet.");
  }
  if (op.op === "app.retry") {
    const desired = host.template(op.appId);
    return desired ? host.put(desired, true) : err("NOT_FOUND", `This host does not run app ${op.appId}.`);
  }
  if (op.op === "pty.open") return (await host.rooms.debug()).openPty(runner.desired.spec, op, runner.desired.rootApproved);
  const setDesired = (desired: "running" | "stopped") => {
    runner.desired = { ...runner.desired, desired };
  };
  const result = await runner.serialize(async (): Promise<Result<unknown>> => {
    switch (op.op) {
      case "app.remove": {
        // The app's web config goes first, through the whole pipeline: a config that broke the
        // server must not outlive the app, and a refused removal keeps the app to retry.
        const tpl = host.template(op.appId)?.spec ?? runner.desired.spec;
        const web = await (await host.rooms.webConfig()).removeAppWebConfig(tpl, host.webServers.targets(), host.siblingSpecs(op.appId), host.stateDir);
        if (web.ok && web.value) host.webServers.recordApply(web.value.server, web.value);
        if (web.ok && web.value && !web.value.ok) {
          return err("FAILED", `Could not remove the app's ${web.value.server} config: ${web.value.message}`, { detail: web.value });
        }
        await runner.remove();
        host.forget(op.appId);
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
  // A revision that failed to apply and is the one this runner runs (an app's first revision: nothing
  // older runs) is applied once a start or restart brings it up, e.g. after the file it lacked came
  // back: else the page kept saying "nothing of this app runs" over running processes (issue 19).
  const failed = host.revisions.failedOf(op.appId);
  if (result.ok && (op.op === "app.start" || op.op === "app.restart") && failed?.revision === runner.desired.revision && runner.processes().every((p) => p.state === "RUNNING")) {
    const template = host.template(op.appId);
    if (template?.revision === failed.revision) {
      host.revisions.applied(template);
      runner.clearError();
    }
  }
  host.changed();
  return result;
}

/** app.validate: whether the host could run `op.spec` (and adopt `op.adopt`'s processes), before it is saved. */
export function validateApp(op: Extract<AgentOp, { op: "app.validate" }>, socketDirs: string[], ownPids: () => Set<number>): Result<unknown> {
  const plan = planLaunch(op.spec, socketDirs, { purpose: "app", rootApproved: op.rootApproved });
  if (!plan.ok) return plan;
  if (op.adopt) {
    const adoptable = checkAdoption(op.spec, op.adopt.pids, ownPids());
    if (!adoptable.ok) return adoptable;
  }
  // The web section's files must exist now, readable by whoever reads them (not only at apply).
  const missing = checkWebPaths(op.spec, plan.value.userName);
  return missing.length ? err("BAD_REQUEST", missing.map((f) => f.message).join(" "), { fields: missing }) : ok({ valid: true });
}
