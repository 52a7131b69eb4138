// An app's workers and schedules as the API and the app page see them: the schedules with their
// kept runs (asked of the agent, which keeps them), and restarting a worker (audited).
import "server-only";
import { agentHub } from "../agents/agent-hub";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import { type SchedulesReply, SchedulesReplySchema, type WorkerStatus, WorkerStatusSchema } from "../protocol";
import { err, ok, type Result } from "../result";

export async function listSchedules(appId: string): Promise<Result<SchedulesReply>> {
  const app = await db.app.findUnique({ where: { id: appId }, select: { hostId: true } });
  if (!app) return err("NOT_FOUND", "That app does not exist.");
  const reply = await agentHub().call(app.hostId, { op: "schedules.list", appId }, 15_000);
  if (!reply.ok) return reply;
  const parsed = SchedulesReplySchema.safeParse(reply.value);
  return parsed.success ? ok(parsed.data) : err("INTERNAL", "The agent sent malformed schedule runs.");
}

/** Restarts every instance of worker `name` (or one, by `index`): stopped gracefully, started again. */
export async function restartWorker(appId: string, name: string, index: number | undefined, audit: AuditContext): Promise<Result<{ workers: WorkerStatus[] }>> {
  const app = await db.app.findUnique({ where: { id: appId }, select: { hostId: true, name: true } });
  if (!app) return err("NOT_FOUND", "That app does not exist.");
  const result = await agentHub().call(app.hostId, { op: "worker.restart", appId, name, ...(index === undefined ? {} : { index }) });
  await db.$transaction((tx) =>
    appendAudit(tx, audit, { action: "worker.restart", target: `app:${app.name}`, after: { worker: name, index: index ?? null }, result: result.ok ? "success" : "failure" }),
  );
  if (!result.ok) return result;
  const parsed = WorkerStatusSchema.array().safeParse(result.value);
  return ok({ workers: parsed.success ? parsed.data : [] });
}
