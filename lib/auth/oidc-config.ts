// Single sign-on settings from STOKER_OIDC_* env, checked once with zod. A bad setting turns SSO off
// with a logged reason (never the secret) instead of crashing the control plane.
import "server-only";
import * as z from "zod";
import { parseRoleMap, type RoleMap } from "./oidc-role-map";

export type OidcSettings = {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  redirectUrl: URL | null; // null: derived from each request's origin
  groupsClaim: string;
  roleMap: RoleMap;
  scopes: string;
  label: string;
  emailDomains: string[]; // empty: any domain
  endIdpSession: boolean; // logging out of Stoker also signs out at the IdP (RP-initiated logout)
  trustEmail: boolean; // STOKER_OIDC_TRUST_EMAIL=1: the IdP verifies every address, a missing email_verified is accepted
  insecureHttp: boolean; // a plain-http issuer, allowed on loopback only (tests, a local IdP)
};

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

const EnvSchema = z.object({
  STOKER_OIDC_ISSUER: z.url().refine((u) => {
    const url = new URL(u);
    return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
  }, "must be https:// (plain http only on 127.0.0.1 / localhost)"),
  STOKER_OIDC_CLIENT_ID: z.string().trim().min(1).max(512),
  STOKER_OIDC_CLIENT_SECRET: z.string().min(1).max(4096),
  STOKER_OIDC_REDIRECT_URL: z.url({ protocol: /^https?$/ }).optional(),
  STOKER_OIDC_GROUPS_CLAIM: z.string().trim().min(1).max(200).default("groups"),
  STOKER_OIDC_ROLE_MAP: z.string().trim().min(1, "is required (e.g. stoker-admins=admin,*=viewer)").max(8192),
  STOKER_OIDC_SCOPES: z.string().trim().regex(/(^|\s)openid(\s|$)/, "must include openid").max(1024).default("openid email profile"),
  STOKER_OIDC_LABEL: z.string().trim().min(1).max(40).default("SSO"),
  STOKER_OIDC_EMAIL_DOMAINS: z.string().trim().max(2048).default(""),
  STOKER_OIDC_LOGOUT: z.enum(["local", "idp"], "must be local or idp").default("local"),
  // 1 only for an IdP that verifies every address it hands out: then a missing email_verified is accepted.
  STOKER_OIDC_TRUST_EMAIL: z.enum(["0", "1"], "must be 0 or 1").default("0"),
});

type Loaded = { enabled: true; settings: OidcSettings } | { enabled: false; reason: string | null };

/** Parses an env object; exported so the rules can be tested without touching process.env. */
export function loadOidcSettings(env: Record<string, string | undefined>): Loaded {
  if (!env.STOKER_OIDC_ISSUER && !env.STOKER_OIDC_CLIENT_ID) return { enabled: false, reason: null };
  const blankless = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith("STOKER_OIDC_") && v !== ""));
  const parsed = EnvSchema.safeParse(blankless);
  if (!parsed.success) {
    // Names the variable and rule only: zod's issue text never includes the value.
    const issue = parsed.error.issues[0];
    return { enabled: false, reason: `${String(issue?.path[0] ?? "STOKER_OIDC_*")} ${issue?.message ?? "is invalid"}` };
  }
  const e = parsed.data;
  const roleMap = parseRoleMap(e.STOKER_OIDC_ROLE_MAP);
  if (!roleMap.ok) return { enabled: false, reason: `STOKER_OIDC_ROLE_MAP: ${roleMap.message}` };
  const issuer = new URL(e.STOKER_OIDC_ISSUER);
  return {
    enabled: true,
    settings: {
      issuer,
      clientId: e.STOKER_OIDC_CLIENT_ID,
      clientSecret: e.STOKER_OIDC_CLIENT_SECRET,
      redirectUrl: e.STOKER_OIDC_REDIRECT_URL ? new URL(e.STOKER_OIDC_REDIRECT_URL) : null,
      groupsClaim: e.STOKER_OIDC_GROUPS_CLAIM,
      roleMap: roleMap.value,
      scopes: e.STOKER_OIDC_SCOPES,
      label: e.STOKER_OIDC_LABEL,
      emailDomains: e.STOKER_OIDC_EMAIL_DOMAINS.split(",").map((d) => d.trim().toLowerCase()).filter(Boolean),
      insecureHttp: issuer.protocol === "http:",
      endIdpSession: e.STOKER_OIDC_LOGOUT === "idp",
      trustEmail: e.STOKER_OIDC_TRUST_EMAIL === "1",
    },
  };
}

const KEY = Symbol.for("stoker.oidc-settings");

/** The settings of this process, read and (if wrong) logged once. */
export function oidcSettings(): Loaded {
  const g = globalThis as typeof globalThis & { [KEY]?: Loaded };
  if (!g[KEY]) {
    g[KEY] = loadOidcSettings(process.env);
    if (!g[KEY].enabled && g[KEY].reason) console.warn(`[stoker] single sign-on is off: ${g[KEY].reason}`);
  }
  return g[KEY];
}
