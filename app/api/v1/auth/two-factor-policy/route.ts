// GET: whether a second factor is required for accounts above viewer. PUT {required}: the owner sets it.
import * as z from "zod";
import { setTwoFactorRequired, twoFactorRequired } from "@/lib/auth/two-factor-policy";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";

const BodySchema = z.strictObject({ required: z.boolean() });

export const GET = handler("read", async () => Response.json({ required: await twoFactorRequired() }));

export const PUT = handler("security.policy", async (req, { audit }) => {
  const body = await parseBody(req, BodySchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await setTwoFactorRequired(body.value.required, audit));
});
