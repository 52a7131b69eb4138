// Browser sessions: a random id in an httpOnly cookie, stored hashed with an expiry.
import "server-only";
import { unlessStorageFull } from "../storage-full";
import { config } from "../config";
import { db } from "../db";
import { hashSecret, newSecret } from "./secrets";

export const SESSION_COOKIE = "stoker_session";

export type SignInMethod = "password" | "oidc";

export async function createSession(userId: string, ip: string, userAgent: string, via: SignInMethod = "password"): Promise<{ token: string; expiresAt: Date }> {
  const token = newSecret("sts");
  const expiresAt = new Date(Date.now() + config.sessionDays * 86_400_000);
  await db.session.create({ data: { tokenHash: hashSecret(token), userId, expiresAt, ip, userAgent: userAgent.slice(0, 300), via } });
  return { token, expiresAt };
}

export function sessionCookie(token: string, expiresAt: Date, secure: boolean): string {
  const parts = [
    `${SESSION_COOKIE}=${token}`,
    `Path=${config.basePath || "/"}`,
    "HttpOnly",
    "SameSite=Lax",
    `Expires=${expiresAt.toUTCString()}`,
  ];
  if (secure) parts.push("Secure");
  return parts.join("; ");
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=${config.basePath || "/"}; HttpOnly; SameSite=Lax; Max-Age=0`;
}

export function readCookie(cookieHeader: string | null | undefined, name: string): string | null {
  for (const part of (cookieHeader ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=") || null;
  }
  return null;
}

export async function findSessionUser(token: string) {
  const session = await db.session.findUnique({ where: { tokenHash: hashSecret(token) }, include: { user: true } });
  if (!session || session.expiresAt < new Date()) return null;
  if (Date.now() - session.lastSeenAt.getTime() > 60_000) {
    await unlessStorageFull(() => db.session.update({ where: { id: session.id }, data: { lastSeenAt: new Date() } }));
  }
  return { session, user: session.user };
}

/** Ends the session; returns how it was signed in to, or null if there was no such session. */
export async function deleteSession(token: string): Promise<SignInMethod | null> {
  const tokenHash = hashSecret(token);
  const session = await db.session.findUnique({ where: { tokenHash }, select: { via: true } });
  await db.session.deleteMany({ where: { tokenHash } });
  return session ? (session.via === "oidc" ? "oidc" : "password") : null;
}
