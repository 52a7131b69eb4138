// POST {token, password}: accept an invitation, create the account and log in (public: token-authenticated).
import { AcceptInviteSchema, acceptInvite } from "@/lib/auth/invites";
import { clientIp } from "@/lib/audit/audit-context";
import { loginResponse } from "@/lib/auth/login-response";
import { publicHandler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";

export const POST = publicHandler(async (req) => {
  const body = await parseBody(req, AcceptInviteSchema);
  if (!body.ok) return toResponse(body);
  const accepted = await acceptInvite(body.value, clientIp(req));
  if (!accepted.ok) return toResponse(accepted);
  return loginResponse(req, accepted.value.userId, { ok: true }, 201);
});
