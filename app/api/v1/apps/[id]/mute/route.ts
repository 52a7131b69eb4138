// GET: is the app muted now, until when. POST {until?}: mute the app's alerts (recorded, not sent) until a time or until unmuted. DELETE: unmute.
import * as z from "zod";
import { appMute, muteApp, unmuteApp } from "@/lib/alerts/mute-app";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";

const Body = z.object({ until: z.iso.datetime({ offset: true }).optional() }).strict();

export const GET = handler("read", async (_req, { params }) => toResponse(await appMute(params.id)));

export const POST = handler("alerts.write", async (req, { audit, params }) => {
  const body = await parseBody(req, Body);
  if (!body.ok) return toResponse(body);
  return toResponse(await muteApp(params.id, body.value.until, audit), 201);
});

export const DELETE = handler("alerts.write", async (_req, { audit, params }) => toResponse(await unmuteApp(params.id, audit)));
