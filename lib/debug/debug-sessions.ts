// Debug sessions: who may open a terminal as whom (operator: the app's own user; admin: anyone but
// root; owner: root too), opening it on the agent, and storing the recording when it ends. Audited.
import "server-only";
import { randomBytes } from "node:crypto";
import * as z from "zod";
import { agentHub } from "../agents/agent-hub";
import { specOf } from "../apps/app-record";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import type { UserActor } from "../auth/authenticate";
import { RoleSchema, roleAtLeast } from "../auth/roles";
import { runAsDecision } from "../auth/run-as";
import { db } from "../db";
import { err, ok, type Result } from "../result";
import { ptyRelay } from "./pty-relay";

export const OpenSessionSchema = z.strictObject({
  user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}\$?$/, "Use a valid user name.").optional(),
  cols: z.number().int().min(2).max(1000).default(100),
  rows: z.number().int().min(2).max(500).default(30),
});

export async function openDebugSession(appId: string, actor: UserActor, input: z.infer<typeof OpenSessionSchema>, audit: AuditContext): Promise<Result<{ id: string; user: string }>> {
  const app = await db.app.findUnique({ where: { id: appId } });
  if (!app) return err("NOT_FOUND", "That app does not exist.");
  // An app without a user runs as the (non-root) agent's own user; it never means root.
  const appUser = specOf(app).user;
  const asUser = input.user ?? appUser;
  if (!asUser) return err("BAD_REQUEST", "Say which user the terminal runs as.", { fields: [{ path: "user", message: "Required: the app has no user of its own." }] });
  const runAs = await runAsDecision(actor, app.hostId, "terminal", asUser);
  if (!runAs.ok) return runAs;
  if (asUser !== appUser && !roleAtLeast(actor.role, "admin")) return err("FORBIDDEN", `Operators may only open a terminal as the app's own user (${appUser ?? "unset"}).`);
  const id = randomBytes(12).toString("base64url");
  ptyRelay().register(id, app.hostId, actor.userId);
  const opened = await agentHub().call(app.hostId, { op: "pty.open", appId, sessionId: id, user: asUser, cols: input.cols, rows: input.rows, allowRoot: runAs.value.rootApproved }, 15_000);
  await db.$transaction(async (tx) => {
    if (opened.ok) await tx.debugSession.create({ data: { id, appId, hostId: app.hostId, userId: actor.userId, userEmail: actor.email, asUser } });
    await appendAudit(tx, audit, { action: "debug.session.opened", target: `app:${app.name}`, after: { session: id, user: asUser }, result: opened.ok ? "success" : "failure" });
  });
  if (!opened.ok) {
    ptyRelay().exit(id, null, "closed");
    return opened;
  }
  return ok({ id, user: asUser });
}

/** Called when the agent reports the shell ended: fetch and keep the recording, audit the end. */
export async function finishDebugSession(sessionId: string, reason: string): Promise<void> {
  const row = await db.debugSession.findUnique({ where: { id: sessionId } });
  if (!row || row.endedAt) return;
  const rec = await agentHub().call(row.hostId, { op: "pty.recording", sessionId }, 30_000);
  const recording = rec.ok ? (rec.value as { cast: string }).cast : null;
  const app = await db.app.findUnique({ where: { id: row.appId }, select: { name: true } });
  const user = await db.user.findUnique({ where: { id: row.userId } });
  const actor = user ? { type: "user" as const, userId: user.id, email: user.email, role: RoleSchema.parse(user.role) } : { type: "system" as const };
  await db.$transaction(async (tx) => {
    // Only the first to end it records it: two replicas may both hear that it ended.
    const ended = await tx.debugSession.updateMany({ where: { id: sessionId, endedAt: null }, data: { endedAt: new Date(), endReason: reason, recording } });
    if (ended.count !== 1) return;
    await appendAudit(tx, { actor, ip: "" }, {
      action: "debug.session.closed",
      target: `app:${app?.name ?? row.appId}`,
      after: { session: sessionId, user: row.asUser, reason, recording: recording ? `/debug-sessions/${sessionId}` : null },
    });
  });
}

export async function getRecording(sessionId: string, actor: UserActor): Promise<Result<{ cast: string; asUser: string; userEmail: string; startedAt: string; endedAt: string | null }>> {
  const row = await db.debugSession.findUnique({ where: { id: sessionId } });
  if (!row) return err("NOT_FOUND", "No such debug session.");
  // Recordings can hold secrets typed into a shell: their owner and admins only.
  if (row.userId !== actor.userId && !roleAtLeast(actor.role, "admin")) return err("FORBIDDEN", "Only the session's owner and admins can replay it.");
  if (!row.recording) return err("NOT_FOUND", row.endedAt ? "The recording could not be fetched from the host." : "The session is still open.");
  return ok({ cast: row.recording, asUser: row.asUser, userEmail: row.userEmail, startedAt: row.startedAt.toISOString(), endedAt: row.endedAt?.toISOString() ?? null });
}
