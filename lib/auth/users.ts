// The owner account (setup page or STOKER_ADMIN_* env) and login with lockout.
import "server-only";
import { appendAudit } from "../audit/append-audit";
import { db } from "../db";
import { err, ok, type Result } from "../result";
import { hashPassword, verifyPassword } from "./passwords";
import { RoleSchema } from "./roles";

const MAX_FAILURES = 5;
const LOCK_MS = 15 * 60_000;

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

export async function checkLogin(email: string, password: string, ip: string): Promise<Result<{ id: string }>> {
  const user = await db.user.findUnique({ where: { email: email.toLowerCase() } });
  const fail = async (message: string, userId?: string) => {
    await db.$transaction(async (tx) => {
      if (userId) {
        const failures = (user?.failedLogins ?? 0) + 1;
        await tx.user.update({
          where: { id: userId },
          data: { failedLogins: failures, lockedUntil: failures >= MAX_FAILURES ? new Date(Date.now() + LOCK_MS) : undefined },
        });
      }
      await appendAudit(tx, { actor: { type: "anonymous", email }, ip }, { action: "auth.login", target: `user:${email}`, result: "failure", after: { reason: message } });
    });
    return err("UNAUTHORIZED", message);
  };
  if (!user?.passwordHash) {
    await verifyPassword("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$ZmFrZWhhc2hmYWtlaGFzaA", password); // same cost as a real check
    return fail("Wrong email or password.");
  }
  if (user.lockedUntil && user.lockedUntil > new Date()) {
    return fail(`Too many failed logins; this account is locked until ${user.lockedUntil.toISOString().slice(11, 16)} UTC.`);
  }
  if (!(await verifyPassword(user.passwordHash, password))) return fail("Wrong email or password.", user.id);
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { failedLogins: 0, lockedUntil: null } });
    const actor = { type: "user" as const, userId: user.id, email: user.email, role: RoleSchema.parse(user.role) };
    await appendAudit(tx, { actor, ip }, { action: "auth.login", target: `user:${user.email}` });
  });
  return ok({ id: user.id });
}
