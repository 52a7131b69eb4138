// Who is calling: a session cookie or an `Authorization: Bearer` API token. Also the CSRF rule
// for cookie-authenticated mutations (a custom header no cross-site form or simple request can send).
import "server-only";
import { unlessStorageFull } from "../storage-full";
import type { Actor } from "../audit/audit-context";
import { db } from "../db";
import { err, ok, type Result } from "../result";
import { type Permission, PERMISSIONS, RoleSchema, can, roleAtLeast } from "./roles";
import { hashSecret } from "./secrets";
import { findSessionUser, readCookie, SESSION_COOKIE } from "./sessions";
import { mustEnrol, SECOND_FACTOR_REQUIRED_MESSAGE } from "./two-factor-policy";

export type UserActor = Extract<Actor, { type: "user" } | { type: "token" }>;
export const CSRF_HEADER = "x-stoker-csrf";
/** A token's `lastUsedAt` is this precise: a token polled every second is not a write every second. */
export const TOKEN_USE_WRITE_MS = 5 * 60_000;

/** `enrolment`: the route is part of setting up a second factor (or logout), open to a session the owner's rule holds back. */
export type AuthOptions = { enrolment?: boolean };

export async function authenticateHeaders(headers: Headers, method = "GET", opts: AuthOptions = {}): Promise<Result<UserActor>> {
  const auth = headers.get("authorization");
  if (auth?.startsWith("Bearer ")) {
    const token = await db.apiToken.findUnique({ where: { tokenHash: hashSecret(auth.slice(7).trim()) }, include: { user: true } });
    if (!token || token.revokedAt || (token.expiresAt && token.expiresAt < new Date())) {
      return err("UNAUTHORIZED", "The API token is invalid, expired or revoked.");
    }
    // Bookkeeping, not a write per request: stored at most once per TOKEN_USE_WRITE_MS per token.
    if (!token.lastUsedAt || Date.now() - token.lastUsedAt.getTime() >= TOKEN_USE_WRITE_MS) {
      await unlessStorageFull(() => db.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date() } }));
    }
    const ownerRole = RoleSchema.parse(token.user.role);
    const tokenRole = RoleSchema.parse(token.role);
    // A token never exceeds its owner's current role, even if the owner was demoted later.
    const role = roleAtLeast(ownerRole, tokenRole) ? tokenRole : ownerRole;
    return ok({ type: "token", userId: token.userId, email: token.user.email, role, tokenId: token.id, tokenName: token.name });
  }
  const cookie = readCookie(headers.get("cookie"), SESSION_COOKIE);
  if (!cookie) return err("UNAUTHORIZED", "Log in first, or send an API token as 'Authorization: Bearer <token>'.");
  const found = await findSessionUser(cookie);
  if (!found) return err("UNAUTHORIZED", "Your session has expired; log in again.");
  if (method !== "GET" && method !== "HEAD" && headers.get(CSRF_HEADER) !== "1") {
    return err("FORBIDDEN", `Cookie-authenticated changes need the ${CSRF_HEADER} header (CSRF protection).`);
  }
  if (!opts.enrolment && (await mustEnrol(found.user, found.session.via))) return err("SECOND_FACTOR_REQUIRED", SECOND_FACTOR_REQUIRED_MESSAGE);
  return ok({ type: "user", userId: found.user.id, email: found.user.email, role: RoleSchema.parse(found.user.role) });
}

/** Authenticates a route request and checks one permission from the rule table. */
export async function requireUser(req: Request, permission: Permission, opts: AuthOptions = {}): Promise<Result<UserActor>> {
  const actor = await authenticateHeaders(req.headers, req.method, opts);
  if (!actor.ok) return actor;
  if (!can(actor.value.role, permission)) {
    return err("FORBIDDEN", `This needs the ${PERMISSIONS[permission]} role; you are ${actor.value.role}.`);
  }
  return actor;
}
