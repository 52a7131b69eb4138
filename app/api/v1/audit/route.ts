// GET: audit history, newest first (?actor=&action=&target=&since=&until=&cursor=&limit=).
import { AuditQuerySchema, listAudit } from "@/lib/audit/list-audit";
import { handler } from "@/lib/http/handler";
import { parseQuery } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";

export const GET = handler("audit.read", async (req) => {
  const q = parseQuery(req, AuditQuerySchema);
  if (!q.ok) return toResponse(q);
  return Response.json(await listAudit(q.value));
});
