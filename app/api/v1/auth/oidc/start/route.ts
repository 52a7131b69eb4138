// GET: begin single sign-on; 302 to the identity provider (or back to /login with an error code).
import { startOidcLogin } from "@/lib/auth/oidc";
import { publicHandler } from "@/lib/http/handler";
import { redirectResponse } from "@/lib/http/redirect-response";

export const GET = publicHandler(async (req) => {
  const r = await startOidcLogin(req);
  return redirectResponse(r.location, r.cookies);
});
