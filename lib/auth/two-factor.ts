// A user's own second factor: start enrolment (a secret, its otpauth URI and QR code), confirm it
// with a first code (only then does it take effect, and the ten recovery codes are shown, once),
// and disable it (password and a code). Password accounts only: single sign-on leaves MFA to the IdP.
import "server-only";
import * as z from "zod";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import { err, ok, type Result } from "../result";
import type { UserActor } from "./authenticate";
import { verifyPassword } from "./passwords";
import { checkTotp, newRecoveryCodes, newTotpSecret, openTotpSecret, recoveryCodesLeft, sealTotpSecret, spendSecondFactor } from "./totp";
import { twoFactorRequired } from "./two-factor-policy";

export const ConfirmTotpSchema = z.strictObject({ code: z.string().trim().regex(/^\d{6}$/, "Enter the 6-digit code from your app.") });
export const DisableTotpSchema = z.strictObject({ password: z.string().min(1).max(1024), code: z.string().trim().min(6).max(32) });

export type TwoFactorStatus = { enrolled: boolean; pending: boolean; required: boolean; recoveryCodesLeft: number; passwordAccount: boolean };

async function me(actor: UserActor) {
  return db.user.findUnique({ where: { id: actor.userId } });
}

export async function twoFactorStatus(actor: UserActor): Promise<Result<TwoFactorStatus>> {
  const user = await me(actor);
  if (!user) return err("NOT_FOUND", "Your account no longer exists.");
  return ok({
    enrolled: user.totpEnabledAt !== null,
    pending: user.totpEnabledAt === null && user.totpSecret !== null,
    required: await twoFactorRequired(),
    recoveryCodesLeft: user.totpEnabledAt ? recoveryCodesLeft(user.recoveryCodes) : 0,
    passwordAccount: user.passwordHash !== null,
  });
}

export async function startTotpEnrolment(actor: UserActor): Promise<Result<{ secret: string; otpauthUri: string; qrSvg: string }>> {
  const user = await me(actor);
  if (!user) return err("NOT_FOUND", "Your account no longer exists.");
  if (!user.passwordHash) return err("BAD_REQUEST", "This account signs in through single sign-on; its identity provider does the second factor.");
  if (user.totpEnabledAt) return err("CONFLICT", "A second factor is already set up; disable it first to enrol a new one.");
  const fresh = await newTotpSecret(user.email);
  // Pending until confirmed: the login does not ask for it yet.
  await db.user.update({ where: { id: user.id }, data: { totpSecret: sealTotpSecret(user.id, fresh.secret), totpLastStep: 0 } });
  return ok(fresh);
}

export async function confirmTotpEnrolment(actor: UserActor, code: string, audit: AuditContext): Promise<Result<{ recoveryCodes: string[] }>> {
  const user = await me(actor);
  if (!user) return err("NOT_FOUND", "Your account no longer exists.");
  if (user.totpEnabledAt) return err("CONFLICT", "A second factor is already set up.");
  const secret = openTotpSecret(user);
  if (!secret) return err("BAD_REQUEST", "Start the enrolment first.");
  const step = await checkTotp(secret, code, 0);
  if (step === null) return err("BAD_REQUEST", "That code is not right; check your device's clock and try the current code.", { fields: [{ path: "code", message: "Wrong code." }] });
  const recovery = newRecoveryCodes(user.id);
  const done = await db.$transaction(async (tx) => {
    const won = await tx.user.updateMany({ where: { id: user.id, totpEnabledAt: null, totpSecret: user.totpSecret }, data: { totpEnabledAt: new Date(), totpLastStep: step, recoveryCodes: recovery.stored } });
    if (won.count !== 1) return false;
    await appendAudit(tx, audit, { action: "user.2fa-enrolled", target: `user:${user.email}`, after: { method: "totp", recoveryCodes: recovery.codes.length } });
    return true;
  });
  return done ? ok({ recoveryCodes: recovery.codes }) : err("CONFLICT", "The enrolment changed meanwhile; start again.");
}

export async function disableTotp(actor: UserActor, input: z.infer<typeof DisableTotpSchema>, audit: AuditContext): Promise<Result<{ disabled: true }>> {
  const user = await me(actor);
  if (!user?.passwordHash) return err("BAD_REQUEST", "This account has no password; nothing to disable.");
  if (!user.totpEnabledAt) return err("BAD_REQUEST", "No second factor is set up.");
  const fail = async (reason: string) => {
    await db.$transaction((tx) => appendAudit(tx, audit, { action: "user.2fa-disabled", target: `user:${user.email}`, result: "failure", after: { reason } }));
    return err("BAD_REQUEST", "The password or the code is wrong.", { fields: [{ path: "code", message: "Check both." }] });
  };
  if (!(await verifyPassword(user.passwordHash, input.password))) return fail("wrong password");
  if (!(await spendSecondFactor(user, input.code))) return fail("wrong code");
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { totpSecret: null, totpEnabledAt: null, totpLastStep: 0, recoveryCodes: "[]" } });
    await appendAudit(tx, audit, { action: "user.2fa-disabled", target: `user:${user.email}` });
  });
  return ok({ disabled: true });
}
