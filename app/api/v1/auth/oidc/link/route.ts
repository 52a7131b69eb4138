// POST: link single sign-on to the signed-in account (Account page). Answers {location}: the IdP
// URL the browser goes to; the callback links the identity only for this same signed-in browser.
import { startOidcLogin } from "@/lib/auth/oidc";
import { handler } from "@/lib/http/handler";

export const POST = handler("read", async (req, { actor }) => {
  if (actor.type !== "user") return Response.json({ code: "BAD_REQUEST", message: "Link single sign-on from the dashboard, signed in with your password, not with an API token." }, { status: 400 });
  const r = await startOidcLogin(req, actor.userId);
  if (r.location.includes("/login?error=")) return Response.json({ code: "FAILED", message: "Single sign-on is not available right now." }, { status: 409 });
  const headers = new Headers();
  for (const c of r.cookies) headers.append("set-cookie", c);
  return Response.json({ location: r.location }, { headers });
});
