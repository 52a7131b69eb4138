// Single sign-on with OpenID Connect (openid-client): the redirect to the IdP with PKCE, state and
// nonce, and the callback that turns verified claims into a session. Both answer with a redirect.
import "server-only";
import * as client from "openid-client";
import * as z from "zod";
import { clientIp } from "../audit/audit-context";
import { config } from "../config";
import { oidcSettings, type OidcSettings } from "./oidc-config";
import type { OidcErrorCode } from "./oidc-errors";
import { clearedFlowCookie, FLOW_COOKIE, flowCookie, saveFlow, takeFlow } from "./oidc-flows";
import { completeOidcLogin, linkOidcIdentity, recordOidcFailure } from "./oidc-login";
import { mapRole, readGroups } from "./oidc-role-map";
import { loginLimiter } from "./rate-limit";
import { createSession, findSessionUser, readCookie, SESSION_COOKIE, sessionCookie } from "./sessions";

export type Redirect = { location: string; cookies: string[] };

const DISCOVERY_TTL_MS = 60 * 60_000; // re-read the IdP's metadata hourly; keys rotate inside openid-client

const ClaimsSchema = z.object({
  sub: z.string().min(1),
  email: z.string().trim().toLowerCase().pipe(z.email()).optional().catch(undefined),
  // Some IdPs send the flag as a string.
  email_verified: z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]).optional().catch(undefined),
  name: z.string().trim().max(200).optional().catch(undefined),
});

const CallbackQuerySchema = z.object({
  code: z.string().max(4096).optional(),
  state: z.string().max(1024).optional(),
  error: z.string().max(200).optional(),
});

export function oidcStatus(): { enabled: boolean; label: string } {
  const loaded = oidcSettings();
  return loaded.enabled ? { enabled: true, label: loaded.settings.label } : { enabled: false, label: "SSO" };
}

const CONF = Symbol.for("stoker.oidc-configuration");
type Cached = { at: number; conf: Promise<client.Configuration> };

function configuration(s: OidcSettings): Promise<client.Configuration> {
  const g = globalThis as typeof globalThis & { [CONF]?: Cached };
  const cached = g[CONF];
  if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.conf;
  const conf = client.discovery(s.issuer, s.clientId, undefined, client.ClientSecretPost(s.clientSecret), {
    execute: s.insecureHttp ? [client.allowInsecureRequests] : [],
    timeout: 10,
  });
  const entry = { at: Date.now(), conf };
  g[CONF] = entry;
  conf.catch(() => {
    if (g[CONF] === entry) delete g[CONF]; // an unreachable IdP is retried on the next login
  });
  return conf;
}

const isSecure = (req: Request) => new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";

// From the Host the browser used (Next's req.url names its own listen address instead). A forged Host
// gains nothing: the IdP only redirects to registered URIs, and the code exchange reuses the flow's.
function callbackUrl(req: Request, s: OidcSettings): URL {
  return s.redirectUrl ?? new URL(`${config.basePath}/api/v1/auth/oidc/callback`, browserOrigin(req));
}

function browserOrigin(req: Request): string {
  const origin = new URL(req.url);
  const host = req.headers.get("host");
  if (host && /^[\w.-]+(:\d{1,5})?$|^\[[\d:a-fA-F]+\](:\d{1,5})?$/.test(host)) origin.host = host;
  if (isSecure(req)) origin.protocol = "https:";
  return origin.origin;
}

/**
 * Where to send a browser whose SSO session just ended here, when STOKER_OIDC_LOGOUT=idp: the IdP's
 * end-session endpoint, which signs it out there too and returns it to Stoker's login page. Null when
 * that is off or the IdP has no such endpoint (the Stoker session is ended either way).
 */
export async function idpLogoutUrl(req: Request): Promise<string | null> {
  const loaded = oidcSettings();
  if (!loaded.enabled || !loaded.settings.endIdpSession) return null;
  const s = loaded.settings;
  try {
    const conf = await configuration(s);
    if (!conf.serverMetadata().end_session_endpoint) return null;
    const login = new URL(`${config.basePath}/login`, s.redirectUrl?.origin ?? browserOrigin(req));
    return client.buildEndSessionUrl(conf, { post_logout_redirect_uri: login.href }).href;
  } catch (e) {
    console.error(`[oidc] discovery at ${s.issuer.href} failed, logging out locally only: ${detail(e)}`);
    return null;
  }
}

const toLogin = (code: OidcErrorCode): Redirect => ({ location: `${config.basePath}/login?error=${code}`, cookies: [clearedFlowCookie()] });

// Internal detail for the log only; the person sees the fixed message of the code.
const detail = (e: unknown) => (e instanceof Error ? `${(e as { code?: unknown }).code ?? e.name}: ${e.message}`.slice(0, 300) : String(e).slice(0, 300));

/**
 * GET /auth/oidc/start: remembers the flow and sends the browser to the IdP. With `linkUserId` (POST
 * /auth/oidc/link, a signed-in user) the callback links the identity to that account instead.
 */
export async function startOidcLogin(req: Request, linkUserId: string | null = null): Promise<Redirect> {
  const loaded = oidcSettings();
  if (!loaded.enabled) return toLogin("sso-off");
  if (!(await loginLimiter().take(clientIp(req)))) return toLogin("sso-rate");
  const s = loaded.settings;
  let conf: client.Configuration;
  try {
    conf = await configuration(s);
  } catch (e) {
    console.error(`[oidc] discovery at ${s.issuer.href} failed: ${detail(e)}`);
    return toLogin("sso-unavailable");
  }
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const redirectUrl = callbackUrl(req, s).href;
  const url = client.buildAuthorizationUrl(conf, {
    redirect_uri: redirectUrl,
    scope: s.scopes,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
  });
  const id = await saveFlow({ state, nonce, verifier, redirectUrl, linkUserId });
  return { location: url.href, cookies: [flowCookie(id, isSecure(req))] };
}

/** GET /auth/oidc/callback: checks the answer against the flow, maps the role, starts a session. */
export async function finishOidcLogin(req: Request): Promise<Redirect> {
  const ip = clientIp(req);
  const loaded = oidcSettings();
  if (!loaded.enabled) return toLogin("sso-off");
  const s = loaded.settings;
  const refuse = async (code: OidcErrorCode, reason: string, email: string | null = null) => {
    await recordOidcFailure(reason, email, ip);
    return toLogin(code);
  };
  // Taken (and so spent) before anything else: a second use of the same callback finds nothing.
  const flow = await takeFlow(readCookie(req.headers.get("cookie"), FLOW_COOKIE));
  if (!flow) {
    // Only flowless callbacks count against the limit: flows come from the (limited) start route.
    if (!(await loginLimiter().take(ip))) return toLogin("sso-rate");
    return refuse("sso-expired", "no sign-in in progress for this browser (expired, replayed or never started)");
  }
  const params = new URL(req.url).searchParams;
  const query = CallbackQuerySchema.safeParse(Object.fromEntries(params));
  if (!query.success) return refuse("sso-failed", "malformed callback parameters");
  if (query.data.error) return refuse("sso-denied", `the identity provider answered ${query.data.error}`);
  // Matched against the redirect_uri the flow used, not the Host this request came in on.
  const currentUrl = new URL(flow.redirectUrl);
  for (const [k, v] of params) currentUrl.searchParams.append(k, v);

  let claims: Record<string, unknown>;
  try {
    const conf = await configuration(s);
    const tokens = await client.authorizationCodeGrant(conf, currentUrl, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims();
    if (!idClaims) return refuse("sso-failed", "no ID token in the token response");
    claims = { ...idClaims };
    // Many IdPs (and the spec's code flow) put email and groups in userinfo, not the ID token.
    if (conf.serverMetadata().userinfo_endpoint) {
      claims = { ...claims, ...(await client.fetchUserInfo(conf, tokens.access_token, idClaims.sub)) };
    }
  } catch (e) {
    console.warn(`[oidc] login refused: ${detail(e)}`);
    return refuse("sso-failed", `the identity provider's answer did not verify (${detail(e).slice(0, 120)})`);
  }

  const parsed = ClaimsSchema.safeParse(claims);
  if (!parsed.success) return refuse("sso-failed", "the claims have no subject");
  const { sub: subject, email, email_verified: verified, name } = parsed.data;
  const issuer = s.issuer.href;
  if (flow.linkUserId) return finishLink(req, flow.linkUserId, { issuer, subject }, ip);
  if (!email) return refuse("sso-no-email", "the identity provider sent no email claim");
  // Only `true` counts: a missing claim is refused unless STOKER_OIDC_TRUST_EMAIL=1 says the IdP verifies every address.
  if (verified !== true && !s.trustEmail) {
    return refuse("sso-no-email", verified === false ? "the identity provider says the email is not verified" : "the identity provider did not say the email is verified (no email_verified claim; STOKER_OIDC_TRUST_EMAIL is off)", email);
  }
  const domain = email.slice(email.lastIndexOf("@") + 1);
  if (s.emailDomains.length > 0 && !s.emailDomains.includes(domain)) return refuse("sso-domain", `email domain ${domain} is not in STOKER_OIDC_EMAIL_DOMAINS`, email);
  const groups = readGroups(claims, s.groupsClaim);
  const role = mapRole(groups, s.roleMap);
  if (!role) {
    const listed = groups.length ? groups.slice(0, 20).join(", ") : "none";
    return refuse("sso-no-role", `no group in STOKER_OIDC_ROLE_MAP matches (groups: ${listed}) and the map has no *`, email);
  }

  const done = await completeOidcLogin({ issuer, subject, email, name: name || email.split("@")[0], role, groups }, ip);
  if (!done.ok) return refuse(done.code, done.reason, email);
  const session = await createSession(done.userId, ip, req.headers.get("user-agent") ?? "", "oidc");
  return { location: `${config.basePath}/`, cookies: [sessionCookie(session.token, session.expiresAt, isSecure(req)), clearedFlowCookie()] };
}

/** The callback of a link started from the Account page: the same browser must still be signed in as that user. */
async function finishLink(req: Request, userId: string, who: { issuer: string; subject: string }, ip: string): Promise<Redirect> {
  const back = (query: string): Redirect => ({ location: `${config.basePath}/settings/account?${query}`, cookies: [clearedFlowCookie()] });
  const token = readCookie(req.headers.get("cookie"), SESSION_COOKIE);
  const session = token ? await findSessionUser(token) : null;
  if (!session || session.user.id !== userId) {
    await recordOidcFailure("a link was finished by a browser not signed in as the user who started it", null, ip);
    return back("sso=sso-expired");
  }
  const linked = await linkOidcIdentity(userId, who, ip);
  if (!linked.ok) {
    await recordOidcFailure(linked.reason, null, ip);
    return back(`sso=${linked.code}`);
  }
  return back("sso=linked");
}
