// GET one channel; PATCH {name?, url?, to?, rotateSecret?}; DELETE (it leaves every rule that named it).
import { deleteChannel, getChannel, updateChannel } from "@/lib/alerts/channels";
import { can } from "@/lib/auth/roles";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { ChannelPatchSchema } from "@/lib/protocol";

export const GET = handler("read", async (_req, { actor, params }) => toResponse(await getChannel(params.id, can(actor.role, "alerts.write"))));

export const PATCH = handler("alerts.write", async (req, { audit, params }) => {
  const body = await parseBody(req, ChannelPatchSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await updateChannel(params.id, body.value, audit));
});

export const DELETE = handler("alerts.write", async (_req, { audit, params }) => toResponse(await deleteChannel(params.id, audit)));
