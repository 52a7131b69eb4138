// GET: uptime checks with their last result and 24-hour uptime. POST {appId, url, intervalSec?, timeoutMs?, expect?, enabled?}:
// one per app; a second for the same app is 409 naming the first (change it with PATCH …/uptime-checks/{id}).
import { createUptimeCheck, listUptimeChecks } from "@/lib/alerts/uptime-checks";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { UptimeCheckInputSchema } from "@/lib/protocol";

export const GET = handler("read", async () => Response.json(await listUptimeChecks()));

export const POST = handler("alerts.write", async (req, { audit }) => {
  const body = await parseBody(req, UptimeCheckInputSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await createUptimeCheck(body.value, audit), 201);
});
