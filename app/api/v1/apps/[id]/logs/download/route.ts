// GET: the app's whole log history as plain text, streamed.
import { downloadLogs } from "@/lib/apps/app-logs";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const GET = handler("read", async (_req, { params }) => {
  const stream = await downloadLogs(params.id);
  if (!stream.ok) return toResponse(stream);
  return new Response(stream.value, {
    headers: { "content-type": "text/plain; charset=utf-8", "content-disposition": `attachment; filename="${params.id.replace(/[^A-Za-z0-9_-]/g, "")}.log"` },
  });
});
