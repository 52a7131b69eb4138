// The owner's rule "every account above viewer signs in with a second factor", and the one check
// that enforces it. Such a user who has not enrolled may sign in, but a browser session of theirs
// reaches only enrolment and logout (403 SECOND_FACTOR_REQUIRED elsewhere) until they enrol.
// Exempt: API tokens (issued separately, by a session that passed the rule, and revocable) and
// single sign-on sessions (the identity provider does MFA).
import "server-only";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import { err, ok, type Result } from "../result";
import { type Role, roleAtLeast } from "./roles";

const KEY = "auth.require-2fa";

export async function twoFactorRequired(): Promise<boolean> {
  return (await db.setting.findUnique({ where: { key: KEY } }))?.value === "true";
}

export async function setTwoFactorRequired(required: boolean, audit: AuditContext): Promise<Result<{ required: boolean }>> {
  if (audit.actor.type !== "user" && audit.actor.type !== "token") return err("FORBIDDEN", "Only the owner changes this.");
  if (audit.actor.role !== "owner") return err("FORBIDDEN", "Only the owner can require a second factor.");
  // Requiring it before having one would lock the owner's own session out of everything but enrolment.
  const own = required && audit.actor.type === "user" ? await db.user.findUnique({ where: { id: audit.actor.userId }, select: { totpEnabledAt: true } }) : null;
  if (own && !own.totpEnabledAt) return err("CONFLICT", "Set up your own second factor first (Security page): once it is required, an account without one reaches only enrolment.");
  await db.$transaction(async (tx) => {
    const before = (await tx.setting.findUnique({ where: { key: KEY } }))?.value === "true";
    await tx.setting.upsert({ where: { key: KEY }, create: { key: KEY, value: String(required) }, update: { value: String(required) } });
    await appendAudit(tx, audit, { action: "settings.2fa-required", target: "settings", before: { required: before }, after: { required } });
  });
  return ok({ required });
}

export const SECOND_FACTOR_REQUIRED_MESSAGE = "The owner requires a second factor for your role: set up an authenticator app on the Security page first.";

/** True when this browser session must enrol before it may do anything else. */
export async function mustEnrol(user: { role: string; totpEnabledAt: Date | null }, via: string): Promise<boolean> {
  if (via === "oidc" || user.totpEnabledAt) return false;
  if (!roleAtLeast(user.role as Role, "operator")) return false;
  return twoFactorRequired();
}
