// POST {email, password} → session cookie, or {secondFactor: "totp", pending} for an account with a second factor. Limited per address and per (account, address): lib/auth/rate-limit.
// JSON only (parseBody refuses other content types): a cross-site form cannot log a browser in (login CSRF).
import * as z from "zod";
import { clientIp } from "@/lib/audit/audit-context";
import { loginResponse } from "@/lib/auth/login-response";
import { loginLimiter } from "@/lib/auth/rate-limit";
import { secondStepResponse } from "@/lib/auth/two-factor-login";
import { checkLogin } from "@/lib/auth/users";
import { publicHandler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { err } from "@/lib/result";

const BodySchema = z.strictObject({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(1024) });

export const POST = publicHandler(async (req) => {
  if (!(await loginLimiter().take(clientIp(req)))) return toResponse(err("RATE_LIMITED", "Too many login attempts; wait a minute."));
  const body = await parseBody(req, BodySchema);
  if (!body.ok) return toResponse(body);
  const user = await checkLogin(body.value.email, body.value.password, clientIp(req));
  if (!user.ok) return toResponse(user);
  // An account with a second factor gets no session yet: a pending token for /auth/login/second-factor.
  if (user.value.secondFactor) return secondStepResponse(req, user.value.id);
  return loginResponse(req, user.value.id, { ok: true });
});
