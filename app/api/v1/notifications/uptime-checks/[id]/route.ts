// PATCH: change an uptime check's URL, interval, timeout, expected status or on/off. DELETE: remove it (and clear its alert).
import { deleteUptimeCheck, updateUptimeCheck } from "@/lib/alerts/uptime-checks";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { UptimeCheckPatchSchema } from "@/lib/protocol";

export const PATCH = handler("alerts.write", async (req, { audit, params }) => {
  const body = await parseBody(req, UptimeCheckPatchSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await updateUptimeCheck(params.id, body.value, audit));
});

export const DELETE = handler("alerts.write", async (_req, { audit, params }) => toResponse(await deleteUptimeCheck(params.id, audit)));
