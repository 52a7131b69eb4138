// GET: what alerts sent, failed to send, or recorded inside a silence, newest first (?status=&before=&limit=).
import { listDeliveries } from "@/lib/alerts/history";
import { handler } from "@/lib/http/handler";
import { parseQuery } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { HistoryQuerySchema } from "@/lib/protocol";

export const GET = handler("read", async (req) => {
  const q = parseQuery(req, HistoryQuerySchema);
  if (!q.ok) return toResponse(q);
  return Response.json(await listDeliveries(q.value));
});
