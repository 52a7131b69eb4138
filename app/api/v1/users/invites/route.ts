// POST {email, role} → {token, expiresAt}: a one-time invitation link. Admin.
import { createInvite, InviteSchema } from "@/lib/auth/invites";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";

export const POST = handler("users.manage", async (req, { actor, audit }) => {
  const body = await parseBody(req, InviteSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await createInvite(actor, body.value, audit), 201);
});
