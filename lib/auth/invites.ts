// Invitations: an admin invites an email with a role (never above their own); the one-time,
// expiring link lets the invitee set a password. Both steps are audited.
import "server-only";
import * as z from "zod";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import { err, ok, type Result } from "../result";
import type { UserActor } from "./authenticate";
import { hashPassword } from "./passwords";
import { RoleSchema, roleAtLeast } from "./roles";
import { hashSecret, newSecret } from "./secrets";

const INVITE_TTL_MS = 7 * 86_400_000;

export const InviteSchema = z.strictObject({ email: z.email("Enter a valid email address.").max(254), role: RoleSchema });
export const AcceptInviteSchema = z.strictObject({ token: z.string().min(10).max(200), password: z.string().min(10, "Use at least 10 characters.").max(1024) });

export async function createInvite(actor: UserActor, input: z.infer<typeof InviteSchema>, audit: AuditContext) {
  if (!roleAtLeast(actor.role, input.role) || (input.role === "owner" && actor.role !== "owner")) {
    return err("FORBIDDEN", `You cannot invite someone as ${input.role}: that is above your own role.`, { fields: [{ path: "role", message: "Too high." }] });
  }
  const email = input.email.toLowerCase();
  if (await db.user.findUnique({ where: { email } })) return err("CONFLICT", "A user with this email already exists.", { fields: [{ path: "email", message: "Already a user." }] });
  const token = newSecret("stki");
  const expiresAt = new Date(Date.now() + INVITE_TTL_MS);
  await db.$transaction(async (tx) => {
    await tx.invite.create({ data: { tokenHash: hashSecret(token), email, role: input.role, createdById: actor.userId, expiresAt } });
    await appendAudit(tx, audit, { action: "user.invited", target: `user:${email}`, after: { email, role: input.role, expiresAt } });
  });
  return ok({ token, email, role: input.role, expiresAt: expiresAt.toISOString() });
}

async function validInvite(token: string) {
  const invite = await db.invite.findUnique({ where: { tokenHash: hashSecret(token) } });
  if (!invite || invite.usedAt || invite.expiresAt < new Date()) return null;
  return invite;
}

export async function describeInvite(token: string): Promise<Result<{ email: string; role: string }>> {
  const invite = await validInvite(token);
  return invite ? ok({ email: invite.email, role: invite.role }) : err("NOT_FOUND", "This invitation is unknown, used or expired. Ask an admin for a new one.");
}

export async function acceptInvite(input: z.infer<typeof AcceptInviteSchema>, ip: string): Promise<Result<{ userId: string }>> {
  const passwordHash = await hashPassword(input.password);
  return db.$transaction(async (tx) => {
    const invite = await tx.invite.findUnique({ where: { tokenHash: hashSecret(input.token) } });
    if (!invite || invite.usedAt || invite.expiresAt < new Date()) return err("NOT_FOUND", "This invitation is unknown, used or expired. Ask an admin for a new one.");
    if (await tx.user.findUnique({ where: { email: invite.email } })) return err("CONFLICT", "This account already exists; log in instead.");
    await tx.invite.update({ where: { id: invite.id }, data: { usedAt: new Date() } });
    const user = await tx.user.create({ data: { email: invite.email, role: invite.role, passwordHash, name: invite.email.split("@")[0] } });
    await appendAudit(tx, { actor: { type: "user", userId: user.id, email: user.email, role: RoleSchema.parse(user.role) }, ip }, { action: "user.joined", target: `user:${user.email}`, after: { role: user.role } });
    return ok({ userId: user.id });
  });
}
