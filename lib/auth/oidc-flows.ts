// In-flight SSO logins: PKCE verifier, state and nonce stay in this process; the browser holds only a
// random flow id in a short-lived httpOnly cookie. Each flow is used once, so a replayed callback fails.
import "server-only";
import { randomBytes } from "node:crypto";
import { config } from "../config";

export const FLOW_COOKIE = "stoker_oidc";
const TTL_MS = 10 * 60_000;
const MAX_FLOWS = 10_000; // unauthenticated callers create flows: bound the memory they can take

export type OidcFlow = { state: string; nonce: string; verifier: string; redirectUrl: string; expiresAt: number };

const KEY = Symbol.for("stoker.oidc-flows");
function flows(): Map<string, OidcFlow> {
  const g = globalThis as typeof globalThis & { [KEY]?: Map<string, OidcFlow> };
  g[KEY] ??= new Map();
  return g[KEY];
}

export function saveFlow(flow: Omit<OidcFlow, "expiresAt">): string {
  const all = flows();
  const now = Date.now();
  for (const [id, f] of all) if (f.expiresAt <= now) all.delete(id);
  while (all.size >= MAX_FLOWS) all.delete(all.keys().next().value as string); // oldest first (insertion order)
  const id = randomBytes(32).toString("base64url");
  all.set(id, { ...flow, expiresAt: now + TTL_MS });
  return id;
}

/** Removes and returns the flow: whatever the outcome, it cannot be used a second time. */
export function takeFlow(id: string | null): OidcFlow | null {
  if (!id) return null;
  const flow = flows().get(id);
  flows().delete(id);
  return flow && flow.expiresAt > Date.now() ? flow : null;
}

// Scoped to the SSO routes; Lax so the IdP's top-level redirect back still carries it.
export function flowCookie(id: string, secure: boolean): string {
  return `${FLOW_COOKIE}=${id}; Path=${config.basePath}/api/v1/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=${TTL_MS / 1000}${secure ? "; Secure" : ""}`;
}

export function clearedFlowCookie(): string {
  return `${FLOW_COOKIE}=; Path=${config.basePath}/api/v1/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=0`;
}
