// Users for admins: list, change a role, remove. Nobody can raise anyone above their own role,
// only an owner touches owners, and the last owner cannot be demoted or removed.
import "server-only";
import * as z from "zod";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import { uiHub } from "../live/ui-hub";
import { err, ok, type Result } from "../result";
import type { UserActor } from "./authenticate";
import { RoleSchema, roleAtLeast } from "./roles";

export const ChangeRoleSchema = z.strictObject({ role: RoleSchema });

export async function listUsers() {
  const users = await db.user.findMany({ orderBy: { createdAt: "asc" }, include: { sessions: { select: { lastSeenAt: true } } } });
  return users.map((u) => ({
    id: u.id,
    email: u.email,
    role: u.role,
    createdAt: u.createdAt.toISOString(),
    lastSeenAt: u.sessions.map((s) => s.lastSeenAt).sort((a, b) => b.getTime() - a.getTime())[0]?.toISOString() ?? null,
    locked: Boolean(u.lockedUntil && u.lockedUntil > new Date()),
  }));
}

async function guard(actor: UserActor, targetId: string): Promise<Result<{ id: string; email: string; role: string }>> {
  const target = await db.user.findUnique({ where: { id: targetId } });
  if (!target) return err("NOT_FOUND", "No such user.");
  if (target.role === "owner" && actor.role !== "owner") return err("FORBIDDEN", "Only an owner can change an owner.");
  return ok(target);
}

async function ownersLeftWithout(userId: string): Promise<number> {
  return db.user.count({ where: { role: "owner", id: { not: userId } } });
}

export async function changeRole(actor: UserActor, targetId: string, role: z.infer<typeof RoleSchema>, audit: AuditContext) {
  const target = await guard(actor, targetId);
  if (!target.ok) return target;
  if (!roleAtLeast(actor.role, role)) return err("FORBIDDEN", `You cannot grant ${role}: it is above your own role.`);
  if (target.value.role === "owner" && role !== "owner" && (await ownersLeftWithout(targetId)) === 0) {
    return err("CONFLICT", "This is the last owner; make someone else owner first.");
  }
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: targetId }, data: { role } });
    await appendAudit(tx, audit, { action: "user.role-changed", target: `user:${target.value.email}`, before: { role: target.value.role }, after: { role } });
  });
  uiHub().disconnectUser(targetId); // live sockets re-authenticate with the new role
  return ok({ id: targetId, role });
}

export async function removeUser(actor: UserActor, targetId: string, audit: AuditContext) {
  const target = await guard(actor, targetId);
  if (!target.ok) return target;
  if (targetId === actor.userId) return err("BAD_REQUEST", "You cannot remove yourself.");
  if (target.value.role === "owner" && (await ownersLeftWithout(targetId)) === 0) return err("CONFLICT", "This is the last owner.");
  await db.$transaction(async (tx) => {
    await tx.user.delete({ where: { id: targetId } }); // sessions and tokens go with it (cascade)
    await appendAudit(tx, audit, { action: "user.removed", target: `user:${target.value.email}`, before: { role: target.value.role } });
  });
  uiHub().disconnectUser(targetId);
  return ok({ removed: true });
}
