// POST {email, password} → session cookie. Rate-limited per IP, locks an account after repeated failures.
import * as z from "zod";
import { clientIp } from "@/lib/audit/audit-context";
import { loginResponse } from "@/lib/auth/login-response";
import { loginLimiter } from "@/lib/auth/rate-limit";
import { checkLogin } from "@/lib/auth/users";
import { publicHandler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { err } from "@/lib/result";

const BodySchema = z.strictObject({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(1024) });

export const POST = publicHandler(async (req) => {
  if (!loginLimiter().take(clientIp(req) || "unknown")) return toResponse(err("RATE_LIMITED", "Too many login attempts; wait a minute."));
  const body = await parseBody(req, BodySchema);
  if (!body.ok) return toResponse(body);
  const user = await checkLogin(body.value.email, body.value.password, clientIp(req));
  if (!user.ok) return toResponse(user);
  return loginResponse(req, user.value.id, { ok: true });
});
