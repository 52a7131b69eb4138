// GET: the identity provider's redirect back; verified against the flow cookie, then a session (302 to /).
import { finishOidcLogin } from "@/lib/auth/oidc";
import { publicHandler } from "@/lib/http/handler";
import { redirectResponse } from "@/lib/http/redirect-response";

export const GET = publicHandler(async (req) => {
  const r = await finishOidcLogin(req);
  return redirectResponse(r.location, r.cookies);
});
