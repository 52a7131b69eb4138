// POST: ends this browser session. After an SSO sign-in with STOKER_OIDC_LOGOUT=idp, the answer also
// names the IdP's end-session URL for the browser to visit next.
import { idpLogoutUrl } from "@/lib/auth/oidc";
import { clearedSessionCookie, deleteSession, readCookie, SESSION_COOKIE } from "@/lib/auth/sessions";
import { handler } from "@/lib/http/handler";

export const POST = handler("read", async (req) => {
  const token = readCookie(req.headers.get("cookie"), SESSION_COOKIE);
  const via = token ? await deleteSession(token) : null;
  const logoutUrl = via === "oidc" ? await idpLogoutUrl(req) : null;
  return Response.json({ ok: true, ...(logoutUrl ? { logoutUrl } : {}) }, { headers: { "set-cookie": clearedSessionCookie() } });
}, { enrolment: true }); // logout stays open to a session held back by the owner's second-factor rule
