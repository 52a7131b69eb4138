// Start, stop, restart, reload an app or restart/kill one process: sent to the agent, audited,
// answered with the resulting process list once the agent has finished.
import "server-only";
import { agentHub } from "../agents/agent-hub";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import type { AgentOp, ProcessInfo } from "../protocol";
import { err, ok, type Result } from "../result";

export type AppAction = "start" | "stop" | "restart" | "reload";
export type ProcessAction = "restart" | "kill";

async function run(appId: string, op: AgentOp, action: string, audit: AuditContext, desired?: "running" | "stopped") {
  const app = await db.app.findUnique({ where: { id: appId } });
  if (!app) return err("NOT_FOUND", "That app does not exist (it may have been deleted).");
  const result = await agentHub().call(app.hostId, op);
  const processes = (agentHub().apps.get(appId)?.processes ?? []) as ProcessInfo[];
  // The desired state and the audit row commit together; a failed action is audited as a failure.
  await db.$transaction(async (tx) => {
    if (result.ok && desired) await tx.app.update({ where: { id: appId }, data: { desired } });
    await appendAudit(tx, audit, {
      action,
      target: `app:${app.name}`,
      after: "pid" in op ? { pid: op.pid } : undefined,
      result: result.ok ? "success" : "failure",
    });
  });
  if (!result.ok) return result;
  const value = result.value;
  return ok({ processes: Array.isArray(value) ? (value as ProcessInfo[]) : processes });
}

export function appAction(appId: string, action: AppAction, audit: AuditContext): Promise<Result<{ processes: ProcessInfo[] }>> {
  const desired = action === "stop" ? "stopped" : action === "reload" ? undefined : "running";
  return run(appId, { op: `app.${action}`, appId }, `app.${action}`, audit, desired);
}

export function processAction(appId: string, pid: number, action: ProcessAction, audit: AuditContext) {
  return run(appId, { op: `process.${action}`, appId, pid }, `process.${action}`, audit);
}
