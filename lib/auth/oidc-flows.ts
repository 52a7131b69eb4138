// In-flight SSO logins: PKCE verifier, state and nonce are kept in the database under the hash of a
// random flow id; the browser holds only that id, in a short-lived httpOnly cookie. Each flow is used
// once, so a replayed callback fails; a control-plane restart between the redirect and the callback
// does not lose the sign-in.
import "server-only";
import { randomBytes } from "node:crypto";
import { config } from "../config";
import { db } from "../db";
import { hashSecret } from "./secrets";

export const FLOW_COOKIE = "stoker_oidc";
const TTL_MS = 10 * 60_000;
const MAX_FLOWS = 10_000; // unauthenticated callers create flows: bound the rows they can add

export type OidcFlow = { state: string; nonce: string; verifier: string; redirectUrl: string; linkUserId?: string | null };

export async function saveFlow(flow: OidcFlow): Promise<string> {
  const now = new Date();
  await db.oidcFlow.deleteMany({ where: { expiresAt: { lte: now } } });
  const excess = (await db.oidcFlow.count()) - MAX_FLOWS + 1;
  if (excess > 0) {
    const oldest = await db.oidcFlow.findMany({ orderBy: { createdAt: "asc" }, take: excess, select: { idHash: true } });
    await db.oidcFlow.deleteMany({ where: { idHash: { in: oldest.map((f) => f.idHash) } } });
  }
  const id = randomBytes(32).toString("base64url");
  await db.oidcFlow.create({ data: { ...flow, idHash: hashSecret(id), expiresAt: new Date(now.getTime() + TTL_MS) } });
  return id;
}

/** Removes and returns the flow: whatever the outcome, it cannot be used a second time. */
export async function takeFlow(id: string | null): Promise<OidcFlow | null> {
  if (!id) return null;
  // delete() fails with P2025 when there is no row to delete: of two callbacks racing with one cookie,
  // only one gets it. Any other failure is the database's and is not hidden.
  const taken = await db.oidcFlow.delete({ where: { idHash: hashSecret(id) } }).catch((e: unknown) => {
    if ((e as { code?: unknown }).code === "P2025") return null;
    throw e;
  });
  if (!taken || taken.expiresAt.getTime() <= Date.now()) return null;
  return { state: taken.state, nonce: taken.nonce, verifier: taken.verifier, redirectUrl: taken.redirectUrl, linkUserId: taken.linkUserId };
}

// Scoped to the SSO routes; Lax so the IdP's top-level redirect back still carries it.
export function flowCookie(id: string, secure: boolean): string {
  return `${FLOW_COOKIE}=${id}; Path=${config.basePath}/api/v1/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=${TTL_MS / 1000}${secure ? "; Secure" : ""}`;
}

export function clearedFlowCookie(): string {
  return `${FLOW_COOKIE}=; Path=${config.basePath}/api/v1/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=0`;
}
