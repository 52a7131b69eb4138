// API tokens: named, role no higher than the owner's, optional expiry, shown once, stored hashed.
import "server-only";
import * as z from "zod";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import { err, ok, type Result } from "../result";
import type { UserActor } from "./authenticate";
import { RoleSchema, roleAtLeast } from "./roles";
import { hashSecret, newSecret } from "./secrets";

export const CreateTokenSchema = z.strictObject({
  name: z.string().trim().min(1, "Give the token a name.").max(80).default("api"),
  role: RoleSchema.optional(),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});

export async function createApiToken(actor: UserActor, input: z.infer<typeof CreateTokenSchema>, audit: AuditContext) {
  const role = input.role ?? actor.role;
  if (!roleAtLeast(actor.role, role)) {
    return err("FORBIDDEN", `A token cannot have a higher role (${role}) than yours (${actor.role}).`, { fields: [{ path: "role", message: "Too high." }] });
  }
  const token = newSecret("stk");
  const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null;
  const row = await db.$transaction(async (tx) => {
    const created = await tx.apiToken.create({ data: { name: input.name, role, userId: actor.userId, tokenHash: hashSecret(token), expiresAt } });
    await appendAudit(tx, audit, { action: "token.created", target: `token:${input.name}`, after: { name: input.name, role, expiresAt } });
    return created;
  });
  return ok({ id: row.id, name: row.name, role, expiresAt: expiresAt?.toISOString() ?? null, token });
}

export async function listApiTokens(actor: UserActor) {
  const rows = await db.apiToken.findMany({ where: { userId: actor.userId }, orderBy: { createdAt: "desc" } });
  return rows.map((t) => ({
    id: t.id,
    name: t.name,
    role: t.role,
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
  }));
}

export async function revokeApiToken(actor: UserActor, id: string, audit: AuditContext): Promise<Result<{ revoked: true }>> {
  const token = await db.apiToken.findUnique({ where: { id } });
  if (!token || (token.userId !== actor.userId && !roleAtLeast(actor.role, "admin"))) return err("NOT_FOUND", "No such token.");
  await db.$transaction(async (tx) => {
    await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
    await appendAudit(tx, audit, { action: "token.revoked", target: `token:${token.name}` });
  });
  return ok({ revoked: true });
}
