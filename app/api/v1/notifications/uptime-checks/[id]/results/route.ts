// GET: a check's results, newest first (?limit=, at most 1000).
import * as z from "zod";
import { uptimeHistory } from "@/lib/alerts/uptime-checks";
import { handler } from "@/lib/http/handler";
import { parseQuery } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";

const Query = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

export const GET = handler("read", async (req, { params }) => {
  const q = parseQuery(req, Query);
  if (!q.ok) return toResponse(q);
  return toResponse(await uptimeHistory(params.id, q.value.limit));
});
