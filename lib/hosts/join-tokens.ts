// One-time join tokens (created by an admin) and enrollment: token in, host key out.
import "server-only";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { hashSecret, newSecret } from "../auth/secrets";
import { db } from "../db";
import { err, ok, type Result } from "../result";

const TOKEN_TTL_MS = 24 * 3600_000;

export async function createJoinToken(audit: AuditContext, opts: { local?: boolean } = {}): Promise<{ token: string; expiresAt: Date }> {
  const token = newSecret("stkj");
  const expiresAt = new Date(Date.now() + TOKEN_TTL_MS);
  await db.$transaction(async (tx) => {
    await tx.joinToken.create({
      data: { tokenHash: hashSecret(token), expiresAt, local: opts.local ?? false, createdById: "userId" in audit.actor ? audit.actor.userId : null },
    });
    await appendAudit(tx, audit, { action: "host.join-token.created", after: { expiresAt: expiresAt.toISOString(), local: opts.local ?? false } });
  });
  return { token, expiresAt };
}

export async function enrollHost(token: string, name: string, ip: string): Promise<Result<{ hostId: string; hostKey: string; local: boolean }>> {
  const hostKey = newSecret("stkh");
  return db.$transaction(async (tx) => {
    const join = await tx.joinToken.findUnique({ where: { tokenHash: hashSecret(token) } });
    if (!join || join.usedAt || join.expiresAt < new Date()) {
      return err("UNAUTHORIZED", "This join token is unknown, expired or already used. Create a new one under Hosts.");
    }
    const host = await tx.host.create({ data: { name, keyHash: hashSecret(hostKey) } });
    await tx.joinToken.update({ where: { id: join.id }, data: { usedAt: new Date(), hostId: host.id } });
    await appendAudit(tx, { actor: { type: "agent", hostId: host.id, hostName: name }, ip }, { action: "host.enrolled", target: `host:${name}` });
    return ok({ hostId: host.id, hostKey, local: join.local });
  });
}
