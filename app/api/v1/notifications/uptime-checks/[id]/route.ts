// DELETE: remove an uptime check (and clear its alert).
import { deleteUptimeCheck } from "@/lib/alerts/uptime-checks";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const DELETE = handler("alerts.write", async (_req, { audit, params }) => toResponse(await deleteUptimeCheck(params.id, audit)));
