// POST {current, next}: change my password; my other sessions end.
import { ChangePasswordSchema, changePassword } from "@/lib/auth/account";
import { readCookie, SESSION_COOKIE } from "@/lib/auth/sessions";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";

export const POST = handler("read", async (req, { actor, audit }) => {
  const body = await parseBody(req, ChangePasswordSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await changePassword(actor, body.value, readCookie(req.headers.get("cookie"), SESSION_COOKIE), audit));
});
