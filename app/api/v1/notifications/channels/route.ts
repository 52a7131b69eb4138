// GET: notification channels. POST {name, kind: webhook|slack|email, url | to} → the channel with its id
// (a webhook's HMAC secret is in this answer only).
import { createChannel, listChannels } from "@/lib/alerts/channels";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { ChannelInputSchema } from "@/lib/protocol";

export const GET = handler("read", async () => Response.json(await listChannels()));

export const POST = handler("alerts.write", async (req, { audit }) => {
  const body = await parseBody(req, ChannelInputSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await createChannel(body.value, audit), 201);
});
