// POST {password, code}: turn my second factor off (a TOTP or recovery code).
import { DisableTotpSchema, disableTotp } from "@/lib/auth/two-factor";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";

export const POST = handler("read", async (req, { actor, audit }) => {
  const body = await parseBody(req, DisableTotpSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await disableTotp(actor, body.value, audit));
});
