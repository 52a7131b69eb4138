// Starts a deployment or rollback: one running per app (409 otherwise), stored and audited in
// one transaction, then handed to the app's agent, which reports progress (record-progress.ts).
import "server-only";
import { agentHub } from "../agents/agent-hub";
import { appendAudit } from "../audit/append-audit";
import { type AuditContext, actorLabel } from "../audit/audit-context";
import { specOf } from "../apps/app-record";
import { runAsDecision } from "../auth/run-as";
import { db } from "../db";
import { lockApp } from "../db-locks";
import { uiHub } from "../live/ui-hub";
import { ARCHIVE_MAX_BYTES, type DeploymentView } from "../protocol";
import { err, ok, type Result } from "../result";
import { deploymentView, pendingSteps } from "./deployment-view";

/** A deployment the agent never finished reporting (it vanished) stops blocking after this. */
const STALE_MS = 2 * 60 * 60 * 1000;

export type DeployRequest =
  | { kind: "deploy"; ref?: string; archive?: Buffer }
  | { kind: "rollback"; release: string };

export async function startDeployment(appId: string, request: DeployRequest, audit: AuditContext, label = actorLabel(audit.actor)): Promise<Result<DeploymentView>> {
  const app = await db.app.findUnique({ where: { id: appId } });
  if (!app) return err("NOT_FOUND", "That app does not exist.");
  const spec = specOf(app);
  const deploy = spec.deploy;
  if (!deploy) return err("BAD_REQUEST", "This app has no deploy section; add one to its spec first.");
  // New code built and run as root is the owner's decision too (the signed webhook deploys the
  // owner-approved source's own branch, as the system).
  const runAs = await runAsDecision(audit.actor, app.hostId, "build", spec.user, spec.group);
  if (!runAs.ok) return runAs;
  if (request.kind === "deploy") {
    if (request.archive && request.archive.length > ARCHIVE_MAX_BYTES) return err("BAD_REQUEST", `The archive is larger than ${ARCHIVE_MAX_BYTES >> 20} MiB.`);
    if (!request.archive && !("git" in deploy.source)) return err("BAD_REQUEST", "This app deploys uploaded archives: upload a .tar.gz.");
  }
  if (!agentHub().isOnline(app.hostId)) return err("HOST_OFFLINE", "The app's host is offline; nothing was deployed.");
  const ref = request.kind === "rollback" ? `rollback to ${request.release}` : request.archive ? "upload" : (request.ref ?? ("git" in deploy.source ? deploy.source.ref : ""));

  const created = await db.$transaction(async (tx) => {
    await lockApp(tx, appId); // one running deployment per app, also when two replicas start one at once
    const busy = await tx.deployment.findFirst({ where: { appId, status: "running", createdAt: { gt: new Date(Date.now() - STALE_MS) } } });
    if (busy) return err("CONFLICT", `A ${busy.kind === "rollback" ? "rollback" : "deployment"} of this app (${busy.ref}, started by ${busy.actorLabel}) is still running; wait for it to finish.`);
    const row = await tx.deployment.create({
      data: { appId, kind: request.kind, ref, release: request.kind === "rollback" ? request.release : "", steps: JSON.stringify(pendingSteps(request.kind)), actorLabel: label },
    });
    // Same tx: a deployment nobody can trace back to a person must not start.
    await appendAudit(tx, audit, {
      action: request.kind === "rollback" ? "deployment.rollback.started" : "deployment.started",
      target: `app:${app.name}`,
      after: { deployment: row.id, ref, by: label },
    });
    return ok(row);
  });
  if (!created.ok) return created;
  const row = created.value;

  const sent = await agentHub().call(
    app.hostId,
    request.kind === "rollback"
      ? { op: "deploy.rollback", appId, deploymentId: row.id, release: request.release }
      : { op: "deploy.run", appId, deploymentId: row.id, ref: request.archive ? undefined : request.ref, archive: request.archive?.toString("base64") },
    60_000,
  );
  if (!sent.ok) {
    const failed = await db.deployment.update({ where: { id: row.id }, data: { status: "failed", message: sent.message, finishedAt: new Date(), durationMs: Date.now() - row.createdAt.getTime() } });
    uiHub().publish({ type: "deploy.progress", appId, deployment: deploymentView(failed) });
    return sent;
  }
  const view = deploymentView(row);
  uiHub().publish({ type: "deploy.progress", appId, deployment: view });
  return ok(view);
}
