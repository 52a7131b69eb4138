// Makes a release live, for deployments and rollbacks alike: start its processes beside the old
// ones (caller's hook), pass the health gate, then switch `current`. A failure before the switch
// brings the previous generation back through the same zero-failure swap.
import { existsSync } from "node:fs";
import type { AppSpec, Deployment, Result } from "../../lib/protocol";
import { failpoint } from "../supervisor/failpoint";
import { DeploymentRecord, type RecordHooks } from "./deployment-record";
import { checkHealth } from "./health-check";
import { currentRelease, isReleaseName, type ReleaseLayout, releaseLayout, releasePath, switchCurrent } from "./releases";
import { resolveRelease } from "./resolve-release";
import { describeFsError } from "./run-command";

export type ProcessHooks = {
  /**
   * Starts a generation running `spec` on the app's socket next to the live one and resolves
   * once it passed readiness (AppRunner.restart does this and stops the old generation).
   */
  startAndCheck(spec: AppSpec): Promise<Result<unknown>>;
  /** Stops the old generation, if startAndCheck left it running. */
  stopOld?(): Promise<Result<unknown>>;
  /** First deployment only: stops a new generation that failed, as nothing older can take over. */
  stopNew?(): Promise<void>;
  /**
   * The spec the app runs now. After a failed start, a different answer than the previous spec
   * means the old generation did not survive (a runner that fell back to stop + start), so it is
   * brought back explicitly instead of trusting the rolling start.
   */
  runningSpec?(): AppSpec | null;
};

/** The concrete spec of a release; its readiness probe asks the health path, so a 5xx or crash there stops the swap early. */
export function specForRelease(spec: AppSpec, layout: ReleaseLayout, name: string): AppSpec {
  const resolved = resolveRelease(spec, releasePath(layout, name));
  const healthPath = spec.deploy?.healthPath;
  if (!healthPath || resolved.ready.probe !== "fastcgi") return resolved;
  return { ...resolved, ready: { ...resolved.ready, path: healthPath } };
}

type Activation = { spec: AppSpec; layout: ReleaseLayout; release: string; running: AppSpec | null | undefined; previous: string | null };
type Activated = { ok: true; spec: AppSpec } | { ok: false; message: string; keepRelease: boolean };

export async function activateRelease(a: Activation, hooks: ProcessHooks, record: DeploymentRecord): Promise<Activated> {
  const next = specForRelease(a.spec, a.layout, a.release);
  const prior = a.running ?? (a.previous ? specForRelease(a.spec, a.layout, a.previous) : null);

  record.start("start");
  failpoint("deploy.start");
  const started = await hooks.startAndCheck(next);
  if (!started.ok) {
    const message = `The new processes did not start: ${started.message}`;
    record.finish("start", "failed", [newProcessOutput(started.detail), message].filter(Boolean).join("\n"));
    // A rolling start that failed left the old generation serving; a first start has none.
    if (!prior) {
      await hooks.stopNew?.();
      return { ok: false, message, keepRelease: false };
    }
    const now = hooks.runningSpec?.();
    if (now !== undefined && JSON.stringify(now) !== JSON.stringify(prior)) {
      const restored = await restorePrevious(prior, hooks);
      record.output("start", `\nThe old processes had stopped; ${restored.note}`);
      return { ok: false, message: `${message} (${restored.note})`, keepRelease: !restored.ok };
    }
    return { ok: false, message, keepRelease: false };
  }
  record.finish("start", "ok", `${processCount(started.value)} started from ${a.release}.`);

  record.start("health");
  failpoint("deploy.health");
  const health = await checkHealth(next, a.spec.deploy?.healthPath ?? "/", next.ready.timeoutMs);
  if (!health.ok) {
    const restored = await restorePrevious(prior, hooks);
    const message = `The new release failed the health check (${health.detail}); ${restored.note}`;
    record.finish("health", "failed", message);
    return { ok: false, message, keepRelease: !restored.ok };
  }
  record.finish("health", "ok", health.detail);

  record.start("switch");
  failpoint("deploy.switch");
  try {
    switchCurrent(a.layout, a.release);
  } catch (e) {
    const restored = await restorePrevious(prior, hooks);
    const message = `${describeFsError("Switching current", e)} ${restored.note}`;
    record.finish("switch", "failed", message);
    return { ok: false, message, keepRelease: !restored.ok };
  }
  record.finish("switch", "ok", `current → releases/${a.release}`);

  record.start("stop-old");
  failpoint("deploy.stop-old");
  if (hooks.stopOld) {
    const stopped = await hooks.stopOld();
    record.finish("stop-old", stopped.ok ? "ok" : "failed", stopped.ok ? "The old processes stopped." : stopped.message);
  } else {
    record.finish("stop-old", "ok", "The rolling start stopped the old processes gracefully once the new ones answered.");
  }
  return { ok: true, spec: next };
}

/** Puts the previous generation back (or stops the new one on a first deployment). */
export async function restorePrevious(prior: AppSpec | null, hooks: ProcessHooks): Promise<{ ok: boolean; note: string }> {
  if (!prior) {
    await hooks.stopNew?.();
    return { ok: true, note: "there was no earlier release, so the new processes were stopped." };
  }
  const back = await hooks.startAndCheck(prior);
  return back.ok
    ? { ok: true, note: "the previous release is serving again." }
    : { ok: false, note: `bringing the previous release back failed too: ${back.message}` };
}

/** Switches back to a kept release with the same zero-failure swap as a deployment. */
export async function rollbackTo(
  input: { appId: string; spec: AppSpec; release: string; running?: AppSpec | null },
  hooks: ProcessHooks & RecordHooks,
): Promise<Deployment> {
  const record = new DeploymentRecord(input.appId, `rollback to ${input.release}`, hooks, ["start", "health", "switch", "stop-old"]);
  record.value.release = input.release;
  const deploy = input.spec.deploy;
  if (!deploy) return record.fail("start", "This app has no deploy section.");
  const layout = releaseLayout(deploy.root);
  if (!isReleaseName(input.release) || !existsSync(releasePath(layout, input.release))) {
    return record.fail("start", `There is no kept release named "${input.release}".`);
  }
  const previous = currentRelease(layout);
  const activated = await activateRelease({ spec: input.spec, layout, release: input.release, running: input.running, previous }, hooks, record);
  return activated.ok ? record.end("succeeded") : record.end("failed", activated.message);
}

function processCount(value: unknown): string {
  return Array.isArray(value) ? `${value.length} process(es)` : "The new processes";
}

/** The output of the new processes from a failed rolling start (AppRunner's `detail.newProcesses`). */
export function newProcessOutput(detail: unknown): string {
  if (!detail || typeof detail !== "object" || !("newProcesses" in detail) || !Array.isArray(detail.newProcesses)) return "";
  return detail.newProcesses
    .map((p: unknown) => {
      const { pid, output } = (p ?? {}) as { pid?: unknown; output?: unknown };
      return `--- new process ${String(pid)} ---\n${typeof output === "string" && output ? output : "(no output)"}`;
    })
    .join("\n");
}
