// GET: notification channels. POST {name, kind: webhook|slack|email, url | to} → the channel with its id
// (a webhook's HMAC secret is in this answer only).
import { createChannel, listChannels } from "@/lib/alerts/channels";
import { can } from "@/lib/auth/roles";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { ChannelInputSchema } from "@/lib/protocol";

// The URL is a credential: whole only for those who may change channels (lib/alerts/channels maskChannelUrl).
export const GET = handler("read", async (_req, { actor }) => Response.json(await listChannels(can(actor.role, "alerts.write"))));

export const POST = handler("alerts.write", async (req, { audit }) => {
  const body = await parseBody(req, ChannelInputSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await createChannel(body.value, audit), 201);
});
