// The doctor and "run it by hand", asked of the app's agent. Run-by-hand starts a process, so it is audited.
import "server-only";
import { agentHub } from "../agents/agent-hub";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import type { Actor } from "../audit/audit-context";
import { runAsDecision } from "../auth/run-as";
import { specOf } from "../apps/app-record";
import { db } from "../db";
import { type DoctorReport, DoctorReportSchema, type RunByHandResult, RunByHandResultSchema } from "../protocol";
import { err, ok, type Result } from "../result";

export async function runDoctor(appId: string, actor: Actor): Promise<Result<DoctorReport>> {
  const app = await db.app.findUnique({ where: { id: appId } });
  if (!app) return err("NOT_FOUND", "That app does not exist.");
  // The doctor starts one instance of the app: as root only for an owner.
  const runAs = await runAsDecision(actor, app.hostId, "doctor", specOf(app).user, specOf(app).group);
  if (!runAs.ok) return runAs;
  const res = await agentHub().call(app.hostId, { op: "app.doctor", appId, allowRoot: runAs.value.rootApproved }, 90_000);
  if (!res.ok) return res;
  const parsed = DoctorReportSchema.safeParse(res.value);
  return parsed.success ? ok(parsed.data) : err("INTERNAL", "The agent sent a malformed doctor report.");
}

export async function runByHand(appId: string, audit: AuditContext): Promise<Result<RunByHandResult>> {
  const app = await db.app.findUnique({ where: { id: appId } });
  if (!app) return err("NOT_FOUND", "That app does not exist.");
  const runAs = await runAsDecision(audit.actor, app.hostId, "run-by-hand", specOf(app).user, specOf(app).group);
  if (!runAs.ok) return runAs;
  const res = await agentHub().call(app.hostId, { op: "app.run-by-hand", appId, allowRoot: runAs.value.rootApproved }, 60_000);
  const parsed = res.ok ? RunByHandResultSchema.safeParse(res.value) : null;
  await db.$transaction((tx) =>
    appendAudit(tx, audit, { action: "app.run-by-hand", target: `app:${app.name}`, after: parsed?.success ? { outcome: parsed.data.outcome, exitCode: parsed.data.exitCode } : undefined, result: parsed?.success ? "success" : "failure" }),
  );
  if (!res.ok) return res;
  return parsed?.success ? ok(parsed.data) : err("INTERNAL", "The agent sent a malformed result.");
}
