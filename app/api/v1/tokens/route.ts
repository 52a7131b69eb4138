// GET: my API tokens. POST {name, role?, expiresInDays?} → {token} (shown once).
import { CreateTokenSchema, createApiToken, listApiTokens } from "@/lib/auth/api-tokens";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";

export const GET = handler("tokens.own", async (_req, { actor }) => Response.json(await listApiTokens(actor)));

export const POST = handler("tokens.own", async (req, { actor, audit }) => {
  const body = await parseBody(req, CreateTokenSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await createApiToken(actor, body.value, audit), 201);
});
