// A user's own account: change password (ends other sessions), list sessions, log out everywhere.
import "server-only";
import * as z from "zod";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import { uiHub } from "../live/ui-hub";
import { err, ok, type Result } from "../result";
import type { UserActor } from "./authenticate";
import { hashPassword, verifyPassword } from "./passwords";
import { hashSecret } from "./secrets";

export const ChangePasswordSchema = z.strictObject({
  current: z.string().min(1).max(1024),
  next: z.string().min(10, "Use at least 10 characters.").max(1024),
});

export async function changePassword(actor: UserActor, input: z.infer<typeof ChangePasswordSchema>, currentSession: string | null, audit: AuditContext): Promise<Result<{ changed: true }>> {
  const user = await db.user.findUnique({ where: { id: actor.userId } });
  if (!user?.passwordHash || !(await verifyPassword(user.passwordHash, input.current))) {
    return err("BAD_REQUEST", "The current password is wrong.", { fields: [{ path: "current", message: "Wrong password." }] });
  }
  const passwordHash = await hashPassword(input.next);
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    // Other sessions may belong to whoever knew the old password.
    await tx.session.deleteMany({ where: { userId: user.id, ...(currentSession ? { tokenHash: { not: hashSecret(currentSession) } } : {}) } });
    await appendAudit(tx, audit, { action: "user.password-changed", target: `user:${user.email}` });
  });
  // After the commit: their live sockets go with the deleted sessions (API tokens are kept, see ui-hub).
  uiHub().disconnectOtherSessions(user.id, currentSession ? hashSecret(currentSession) : null);
  return ok({ changed: true });
}

export async function listSessions(actor: UserActor, currentSession: string | null) {
  const current = currentSession ? hashSecret(currentSession) : null;
  const rows = await db.session.findMany({ where: { userId: actor.userId, expiresAt: { gt: new Date() } }, orderBy: { lastSeenAt: "desc" } });
  return rows.map((s) => ({ id: s.id, createdAt: s.createdAt.toISOString(), lastSeenAt: s.lastSeenAt.toISOString(), ip: s.ip, userAgent: s.userAgent, current: s.tokenHash === current }));
}

export async function logoutEverywhere(actor: UserActor, audit: AuditContext): Promise<{ ended: number }> {
  const { count } = await db.$transaction(async (tx) => {
    const deleted = await tx.session.deleteMany({ where: { userId: actor.userId } });
    await appendAudit(tx, audit, { action: "auth.logout-everywhere", target: `user:${actor.email}`, after: { sessions: deleted.count } });
    return deleted;
  });
  uiHub().disconnectUser(actor.userId);
  return { ended: count };
}
