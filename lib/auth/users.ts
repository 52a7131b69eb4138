// The owner account (setup page or STOKER_ADMIN_* env) and password login (limits: lib/auth/rate-limit).
import "server-only";
import { appendAudit } from "../audit/append-audit";
import { db } from "../db";
import { err, ok, type Result } from "../result";
import { hashPassword, verifyPassword } from "./passwords";
import { loginLimiter } from "./rate-limit";
import { RoleSchema } from "./roles";

export async function hasAnyUser(): Promise<boolean> {
  return (await db.user.count()) > 0;
}

/** Creates the first account as owner; refused once any account exists. */
export async function createOwner(email: string, password: string, ip: string): Promise<Result<{ id: string }>> {
  const passwordHash = await hashPassword(password);
  return db.$transaction(async (tx) => {
    if ((await tx.user.count()) > 0) return err("CONFLICT", "Setup is already done; log in instead.");
    const user = await tx.user.create({ data: { email: email.toLowerCase(), passwordHash, role: "owner", name: email.split("@")[0] } });
    await appendAudit(tx, { actor: { type: "user", userId: user.id, email: user.email, role: "owner" }, ip }, { action: "user.owner-created", target: `user:${user.email}` });
    return ok({ id: user.id });
  });
}

// One message for a wrong password, an unknown email and a locked (account, address) pair's every
// other outcome: nothing here tells an outsider whether an account exists (lib/auth/rate-limit).
const WRONG = "Wrong email or password.";

/** `secondFactor`: the password was right, and the account also needs its TOTP or a recovery code (two-factor-login.ts). */
export async function checkLogin(email: string, password: string, ip: string): Promise<Result<{ id: string; secondFactor: boolean }>> {
  const limits = loginLimiter();
  const audit = async (reason: string) =>
    db.$transaction(async (tx) => {
      await appendAudit(tx, { actor: { type: "anonymous", email }, ip }, { action: "auth.login", target: `user:${email}`, result: "failure", after: { reason } });
    });
  const gate = await limits.before(email, ip);
  if ("lockedMinutes" in gate) {
    await audit("locked for this address");
    // Said the same way for every email, known or not: the lock is on (email, address), not on accounts.
    return err("RATE_LIMITED", `Too many failed logins for this email from your address; try again in ${gate.lockedMinutes} min.`);
  }
  if (gate.delayMs) await new Promise((r) => setTimeout(r, gate.delayMs));
  const user = await db.user.findUnique({ where: { email: email.toLowerCase() } });
  if (!user?.passwordHash) {
    await verifyPassword("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$ZmFrZWhhc2hmYWtlaGFzaA", password); // same cost as a real check
    await limits.failed(email, ip);
    await audit(WRONG);
    return err("UNAUTHORIZED", WRONG);
  }
  if (!(await verifyPassword(user.passwordHash, password))) {
    await limits.failed(email, ip);
    await audit(WRONG);
    return err("UNAUTHORIZED", WRONG);
  }
  await limits.succeeded(email, ip);
  const secondFactor = user.totpEnabledAt !== null;
  await db.$transaction(async (tx) => {
    const actor = { type: "user" as const, userId: user.id, email: user.email, role: RoleSchema.parse(user.role) };
    // With a second factor the password is only the first step: the login is recorded when the code is.
    await appendAudit(tx, { actor, ip }, { action: secondFactor ? "auth.login.password" : "auth.login", target: `user:${user.email}` });
  });
  return ok({ id: user.id, secondFactor });
}
