// The database half of an SSO login: find the user by the IdP's (issuer, subject), link it on first
// login, never hand an existing password account to a new identity; apply the mapped role on every
// login (IdP group changes take effect), and write the auth.login audit event in the same tx.
import "server-only";
import { appendAudit } from "../audit/append-audit";
import { db } from "../db";
import { uiHub } from "../live/ui-hub";
import type { OidcErrorCode } from "./oidc-errors";
import { type Role, RoleSchema } from "./roles";

export type OidcIdentity = { issuer: string; subject: string; email: string; name: string; role: Role; groups: string[] };
export type OidcLoginResult = { ok: true; userId: string } | { ok: false; code: OidcErrorCode; reason: string };

/** Returns the user id to start a session for, or why this identity may not have the account. */
export async function completeOidcLogin(who: OidcIdentity, ip: string): Promise<OidcLoginResult> {
  const result = await db.$transaction(async (tx): Promise<(OidcLoginResult & { ok: false }) | { ok: true; userId: string; before: string | null; role: Role }> => {
    const linked = await tx.user.findUnique({ where: { oidcIssuer_oidcSubject: { oidcIssuer: who.issuer, oidcSubject: who.subject } } });
    let existing = linked;
    let linking = false;
    if (!existing) {
      const byEmail = await tx.user.findUnique({ where: { email: who.email } });
      if (byEmail?.oidcSubject) return { ok: false, code: "sso-linked-elsewhere", reason: "the email's account is linked to another SSO identity" };
      // A password account is its owner's: whoever the IdP names with the same email does not get it.
      if (byEmail?.passwordHash) return { ok: false, code: "sso-link-needed", reason: "the email's account has a password and is not linked to this SSO identity" };
      existing = byEmail; // an SSO-only account from before linking existed: linked now, at its first login
      linking = true;
    }
    let role: Role = who.role;
    // Never leave the control plane without an owner: the last owner keeps the role the map lacks.
    if (existing?.role === "owner" && role !== "owner" && (await tx.user.count({ where: { role: "owner", id: { not: existing.id } } })) === 0) {
      role = "owner";
    }
    const link = { oidcIssuer: who.issuer, oidcSubject: who.subject };
    const user = existing
      ? await tx.user.update({ where: { id: existing.id }, data: { role, ...(linking ? link : {}) } })
      : await tx.user.create({ data: { email: who.email, name: who.name, role, passwordHash: null, ...link } });
    await appendAudit(
      tx,
      { actor: { type: "user", userId: user.id, email: user.email, role }, ip },
      {
        action: "auth.login",
        target: `user:${user.email}`,
        before: existing ? { role: existing.role } : undefined,
        after: {
          via: "oidc",
          role,
          groups: who.groups.slice(0, 50),
          ...(existing ? {} : { created: true }),
          ...(linking ? { linked: `${who.issuer} ${who.subject}` } : {}),
          ...(role !== who.role ? { keptLastOwner: true } : {}),
        },
      },
    );
    return { ok: true, userId: user.id, before: existing?.role ?? null, role };
  });
  if (!result.ok) return result;
  if (result.before !== null && result.before !== result.role) uiHub().disconnectUser(result.userId); // live sockets re-authenticate with the new role
  return { ok: true, userId: result.userId };
}

/** Links the SSO identity to the signed-in user who asked for it (Account → Link single sign-on). */
export async function linkOidcIdentity(userId: string, who: { issuer: string; subject: string }, ip: string): Promise<OidcLoginResult> {
  return db.$transaction(async (tx): Promise<OidcLoginResult> => {
    const taken = await tx.user.findUnique({ where: { oidcIssuer_oidcSubject: { oidcIssuer: who.issuer, oidcSubject: who.subject } } });
    if (taken && taken.id !== userId) return { ok: false, code: "sso-identity-taken", reason: "the SSO identity is linked to another account" };
    const user = await tx.user.update({ where: { id: userId }, data: { oidcIssuer: who.issuer, oidcSubject: who.subject } });
    await appendAudit(
      tx,
      { actor: { type: "user", userId: user.id, email: user.email, role: RoleSchema.parse(user.role) }, ip },
      { action: "auth.oidc.linked", target: `user:${user.email}`, after: { issuer: who.issuer, subject: who.subject } },
    );
    return { ok: true, userId: user.id };
  });
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
