// DELETE: end a silence now (an alert it held back that still fires is sent at the next tick).
import { deleteSilence } from "@/lib/alerts/silences";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const DELETE = handler("alerts.write", async (_req, { audit, params }) => toResponse(await deleteSilence(params.id, audit)));
