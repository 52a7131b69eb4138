// PATCH {role}: change a user's role. DELETE: remove a user. Admin; owners only by owners.
import { ChangeRoleSchema, changeRole, removeUser } from "@/lib/auth/manage-users";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";

export const PATCH = handler("users.manage", async (req, { actor, audit, params }) => {
  const body = await parseBody(req, ChangeRoleSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await changeRole(actor, params.id, body.value.role, audit));
});

export const DELETE = handler("users.manage", async (_req, { actor, audit, params }) => toResponse(await removeUser(actor, params.id, audit)));
