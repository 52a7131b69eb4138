// Takes an agent's deployment reports: stores the steps, finishes and audits the deployment on
// its final report, and forwards everything live to browsers. Only the app's own host may report.
import "server-only";
import { alertSignal } from "../alerts/alert-events";
import { appendAudit } from "../audit/append-audit";
import { db } from "../db";
import { uiHub } from "../live/ui-hub";
import type { DeployOutput, DeployProgress } from "../protocol";
import { deploymentView } from "./deployment-view";

type Host = { id: string; name: string };

export async function recordProgress(host: Host, msg: DeployProgress): Promise<void> {
  const row = await db.deployment.findUnique({ where: { id: msg.deploymentId }, include: { app: { select: { hostId: true, name: true } } } });
  if (!row || row.app.hostId !== host.id || row.status !== "running") return;
  const d = msg.deployment;
  const final = d.status !== "running";
  const data = {
    status: d.status,
    steps: JSON.stringify(d.steps),
    commit: d.commit,
    release: d.release || row.release,
    message: d.message,
    ...(final ? { finishedAt: new Date(), durationMs: Date.now() - row.createdAt.getTime(), commitMessage: msg.commitMessage ?? "", commitAuthor: msg.commitAuthor ?? "" } : {}),
  };
  const updated = await db.$transaction(async (tx) => {
    // Reports are handled concurrently: never let a late step report reopen a finished deployment.
    const n = await tx.deployment.updateMany({ where: { id: row.id, status: "running" }, data });
    if (!n.count) return null;
    if (final) {
      const failedStep = d.steps.find((s) => s.status === "failed")?.name ?? null;
      await appendAudit(tx, { actor: { type: "agent", hostId: host.id, hostName: host.name }, ip: "" }, {
        action: row.kind === "rollback" ? "deployment.rollback.finished" : "deployment.finished",
        target: `app:${row.app.name}`,
        after: { deployment: row.id, by: row.actorLabel, ref: row.ref, commit: d.commit, release: d.release, status: d.status, failedStep, message: d.message },
        result: d.status === "succeeded" ? "success" : "failure",
      });
    }
    return tx.deployment.findUnique({ where: { id: row.id } });
  });
  if (updated) uiHub().publish({ type: "deploy.progress", appId: row.appId, deployment: deploymentView(updated) });
  if (updated && final) signalDeployment(row.appId, row.kind, d.status, d.message, d.steps.find((s) => s.status === "failed")?.name);
}

/** A finished deployment raises or clears the app's deployment.failed alert (lib/alerts/alert-events). */
function signalDeployment(appId: string, kind: string, status: string, message: string, failedStep?: string): void {
  const what = kind === "rollback" ? "Rollback" : "Deployment";
  if (status === "succeeded") alertSignal({ op: "clear", event: "deployment.failed", appId, summary: `${kind === "rollback" ? "A rollback" : "A deployment"} succeeded` });
  else if (status === "failed") alertSignal({ op: "fire", event: "deployment.failed", appId, summary: `${what} failed${failedStep ? ` at ${failedStep}` : ""}: ${message}`.slice(0, 500) });
}

export async function forwardOutput(host: Host, msg: DeployOutput): Promise<void> {
  const app = await db.app.findFirst({ where: { id: msg.appId, hostId: host.id }, select: { id: true } });
  if (!app) return;
  uiHub().publish({ type: "deploy.output", appId: msg.appId, deploymentId: msg.deploymentId, step: msg.step, chunk: msg.chunk });
}

/**
 * A deployment the agent was carrying out when it died can never report its end: once a restarted
 * agent (started after the deployment began) says hello, such deployments are failed, saying why.
 */
export async function endInterruptedDeployments(host: Host, agentStartedAt: Date): Promise<void> {
  const stuck = await db.deployment.findMany({
    where: { status: "running", createdAt: { lt: agentStartedAt }, app: { hostId: host.id } },
    include: { app: { select: { name: true } } },
  });
  for (const row of stuck) {
    const message = `The agent restarted (at ${agentStartedAt.toISOString()}) while this ${row.kind === "rollback" ? "rollback" : "deployment"} ran, so it did not finish; the app runs what the restarted agent took over (see its events). Deploy again.`;
    const updated = await db.$transaction(async (tx) => {
      const n = await tx.deployment.updateMany({ where: { id: row.id, status: "running" }, data: { status: "failed", message, finishedAt: new Date(), durationMs: Date.now() - row.createdAt.getTime() } });
      if (!n.count) return null;
      await appendAudit(tx, { actor: { type: "agent", hostId: host.id, hostName: host.name }, ip: "" }, {
        action: row.kind === "rollback" ? "deployment.rollback.finished" : "deployment.finished",
        target: `app:${row.app.name}`,
        after: { deployment: row.id, by: row.actorLabel, ref: row.ref, status: "failed", message },
        result: "failure",
      });
      return tx.deployment.findUnique({ where: { id: row.id } });
    });
    if (updated) {
      uiHub().publish({ type: "deploy.progress", appId: row.appId, deployment: deploymentView(updated) });
      signalDeployment(row.appId, row.kind, "failed", message);
    }
  }
}
