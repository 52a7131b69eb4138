// The second step of a password login for an account with a second factor. The password step
// answers with a pending token (an httpOnly cookie, also in the body for API clients) that lives
// 5 minutes and proves only that the password was right; this step takes it with a TOTP or recovery
// code and starts the session. Codes are limited like passwords (lib/auth/rate-limit: per address,
// and per (account, address) with a lock), under keys of their own.
import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { appendAudit } from "../audit/append-audit";
import { clientIp } from "../audit/audit-context";
import { config } from "../config";
import { db } from "../db";
import { serverKey } from "../keys/server-keys";
import { err, ok, type Result } from "../result";
import { loginLimiter } from "./rate-limit";
import { RoleSchema } from "./roles";
import { readCookie } from "./sessions";
import { spendSecondFactor } from "./totp";

export const PENDING_COOKIE = "stoker_2fa";
const PENDING_MS = 5 * 60_000;

const mac = (userId: string, expires: number) => createHmac("sha256", serverKey("secrets")).update(`2fa-pending/${userId}/${expires}`).digest("base64url");

export function pendingToken(userId: string, now = Date.now()): string {
  const expires = now + PENDING_MS;
  return `${userId}.${expires}.${mac(userId, expires)}`;
}

/** The user a pending token was issued to, if it is ours and not expired. */
export function readPendingToken(token: string, now = Date.now()): string | null {
  const [userId, exp, sig] = token.split(".");
  const expires = Number(exp);
  if (!userId || !sig || !Number.isSafeInteger(expires) || expires < now) return null;
  const want = Buffer.from(mac(userId, expires));
  const got = Buffer.from(sig);
  return want.length === got.length && timingSafeEqual(want, got) ? userId : null;
}

function cookie(value: string, maxAgeS: number, secure: boolean): string {
  return [`${PENDING_COOKIE}=${value}`, `Path=${config.basePath || "/"}`, "HttpOnly", "SameSite=Strict", `Max-Age=${maxAgeS}`, ...(secure ? ["Secure"] : [])].join("; ");
}

const isSecure = (req: Request) => new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";

/** The password step's answer for an account with a second factor: no session yet. */
export function secondStepResponse(req: Request, userId: string): Response {
  const token = pendingToken(userId);
  return Response.json({ ok: true, secondFactor: "totp", pending: token, expiresInS: PENDING_MS / 1000 }, { headers: { "set-cookie": cookie(token, PENDING_MS / 1000, isSecure(req)) } });
}

export const clearedPendingCookie = (req: Request) => cookie("", 0, isSecure(req));

const WRONG = "That code is not right, or it was already used.";

/** Checks the pending token (cookie, or `pending` in the body) and the code; the user to start a session for. */
export async function completeSecondFactor(req: Request, code: string, pendingFromBody?: string): Promise<Result<{ id: string }>> {
  const ip = clientIp(req);
  const limits = loginLimiter();
  if (!(await limits.take(ip))) return err("RATE_LIMITED", "Too many login attempts; wait a minute.");
  const token = pendingFromBody ?? readCookie(req.headers.get("cookie"), PENDING_COOKIE);
  const userId = token ? readPendingToken(token) : null;
  if (!userId) return err("UNAUTHORIZED", "The login step before this one expired; enter your password again.");
  const user = await db.user.findUnique({ where: { id: userId } });
  if (!user?.totpEnabledAt) return err("UNAUTHORIZED", "The login step before this one expired; enter your password again.");
  const key = `2fa:${user.email}`;
  const audit = (result: "success" | "failure", after: unknown) =>
    db.$transaction((tx) =>
      appendAudit(tx, { actor: { type: "user", userId: user.id, email: user.email, role: RoleSchema.parse(user.role) }, ip }, { action: "auth.login", target: `user:${user.email}`, result, after }),
    );
  const gate = await limits.before(key, ip);
  if ("lockedMinutes" in gate) {
    await audit("failure", { reason: "second factor locked for this address" });
    return err("RATE_LIMITED", `Too many wrong codes from your address; try again in ${gate.lockedMinutes} min.`);
  }
  if (gate.delayMs) await new Promise((r) => setTimeout(r, gate.delayMs));
  const used = await spendSecondFactor(user, code);
  if (!used) {
    await limits.failed(key, ip);
    await audit("failure", { reason: WRONG, secondFactor: true });
    return err("UNAUTHORIZED", WRONG, { fields: [{ path: "code", message: "Wrong or used code." }] });
  }
  await limits.succeeded(key, ip);
  await audit("success", { secondFactor: used });
  return ok({ id: user.id });
}
