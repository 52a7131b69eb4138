// DELETE: revoke one of my API tokens.
import { revokeApiToken } from "@/lib/auth/api-tokens";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const DELETE = handler("tokens.own", async (_req, { actor, audit, params }) => toResponse(await revokeApiToken(actor, params.id, audit)));
