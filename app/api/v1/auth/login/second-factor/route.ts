// POST {code, pending?} → session cookie. The second login step of an account with a second factor:
// a TOTP code or a recovery code, with the pending token the password step set (cookie or body).
import * as z from "zod";
import { loginResponse } from "@/lib/auth/login-response";
import { clearedPendingCookie, completeSecondFactor } from "@/lib/auth/two-factor-login";
import { publicHandler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";

const BodySchema = z.strictObject({ code: z.string().trim().min(6).max(32), pending: z.string().max(512).optional() });

export const POST = publicHandler(async (req) => {
  const body = await parseBody(req, BodySchema);
  if (!body.ok) return toResponse(body);
  const user = await completeSecondFactor(req, body.value.code, body.value.pending);
  if (!user.ok) return toResponse(user);
  const res = await loginResponse(req, user.value.id, { ok: true });
  res.headers.append("set-cookie", clearedPendingCookie(req));
  return res;
});
