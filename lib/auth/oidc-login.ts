// The database half of an SSO login: find or create the user by email, apply the mapped role on
// every login (IdP group changes take effect), and write the auth.login audit event in the same tx.
import "server-only";
import { appendAudit } from "../audit/append-audit";
import { db } from "../db";
import { uiHub } from "../live/ui-hub";
import type { Role } from "./roles";

export type OidcIdentity = { email: string; name: string; role: Role; groups: string[] };

/** Returns the user id to start a session for. */
export async function completeOidcLogin(who: OidcIdentity, ip: string): Promise<{ userId: string }> {
  const { userId, before, role } = await db.$transaction(async (tx) => {
    const existing = await tx.user.findUnique({ where: { email: who.email } });
    let role: Role = who.role;
    // Never leave the control plane without an owner: the last owner keeps the role the map lacks.
    if (existing?.role === "owner" && role !== "owner" && (await tx.user.count({ where: { role: "owner", id: { not: existing.id } } })) === 0) {
      role = "owner";
    }
    const user = existing
      ? await tx.user.update({ where: { id: existing.id }, data: { role } })
      : await tx.user.create({ data: { email: who.email, name: who.name, role, passwordHash: null } });
    await appendAudit(
      tx,
      { actor: { type: "user", userId: user.id, email: user.email, role }, ip },
      {
        action: "auth.login",
        target: `user:${user.email}`,
        before: existing ? { role: existing.role } : undefined,
        after: { via: "oidc", role, groups: who.groups.slice(0, 50), ...(existing ? {} : { created: true }), ...(role !== who.role ? { keptLastOwner: true } : {}) },
      },
    );
    return { userId: user.id, before: existing?.role ?? null, role };
  });
  if (before !== null && before !== role) uiHub().disconnectUser(userId); // live sockets re-authenticate with the new role
  return { userId };
}

export async function recordOidcFailure(reason: string, email: string | null, ip: string): Promise<void> {
  await db.$transaction(async (tx) => {
    await appendAudit(
      tx,
      { actor: { type: "anonymous", ...(email ? { email } : {}) }, ip },
      { action: "auth.login", target: email ? `user:${email}` : "oidc", result: "failure", after: { via: "oidc", reason } },
    );
  });
}
