// A saved revision that failed to apply (desired ≠ running): retry it, or revert to the running one.
// Reverting saves the running revision's spec as a new revision, so history only moves forward.
import "server-only";
import { agentHub } from "../agents/agent-hub";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import { AppSpecSchema } from "../protocol";
import { err, ok, type Result } from "../result";
import { updateApp } from "./save-app";

export async function retryApp(appId: string, audit: AuditContext): Promise<Result<{ revision: number }>> {
  const app = await db.app.findUnique({ where: { id: appId } });
  if (!app) return err("NOT_FOUND", "That app does not exist.");
  const result = await agentHub().call(app.hostId, { op: "app.retry", appId });
  await db.$transaction((tx) =>
    appendAudit(tx, audit, { action: "app.retry", target: `app:${app.name}`, after: { revision: app.revision }, result: result.ok ? "success" : "failure" }),
  );
  if (!result.ok) return err(result.code, `Revision ${app.revision} failed to apply again: ${result.message}`, { detail: result.detail });
  return ok({ revision: app.revision });
}

export async function revertApp(appId: string, audit: AuditContext): Promise<Result<{ revision: number; revertedTo: number }>> {
  const app = await db.app.findUnique({ where: { id: appId } });
  if (!app) return err("NOT_FOUND", "That app does not exist.");
  const running = await agentHub().call(app.hostId, { op: "app.running-spec", appId });
  if (!running.ok) return running;
  const value = running.value as { revision?: unknown; spec?: unknown };
  const spec = AppSpecSchema.safeParse({ ...(value.spec as object), hostId: app.hostId });
  if (!spec.success || typeof value.revision !== "number") return err("FAILED", "The agent sent a running spec that is not valid.");
  if (value.revision === app.revision) return err("CONFLICT", `Revision ${app.revision} is already the running one: nothing to revert.`);
  const saved = await updateApp(appId, spec.data, audit);
  return saved.ok ? ok({ revision: saved.value.revision, revertedTo: value.revision }) : saved;
}
