// GET ?process=&stream=stdout|stderr|webserver&q=&regex=&level=&since=&until=&cursor=&limit= → {lines, nextCursor}.
import { queryLogs } from "@/lib/apps/app-logs";
import { handler } from "@/lib/http/handler";
import { parseQuery } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { LogQuerySchema } from "@/lib/protocol";

export const GET = handler("read", async (req, { params }) => {
  const query = parseQuery(req, LogQuerySchema);
  if (!query.ok) return toResponse(query);
  return toResponse(await queryLogs(params.id, query.value));
});
