// GET: silences and maintenance windows (with whether each holds now). POST {name, scope, targetId, startsAt?, endsAt?, daily?, days?}.
import { createSilence, listSilences } from "@/lib/alerts/silences";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { SilenceInputSchema } from "@/lib/protocol";

export const GET = handler("read", async () => Response.json(await listSilences()));

export const POST = handler("alerts.write", async (req, { audit }) => {
  const body = await parseBody(req, SilenceInputSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await createSilence(body.value, audit), 201);
});
