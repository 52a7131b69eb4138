// GET: an app's process event timeline, newest first: ?cursor=&limit= → { events, nextCursor }.
import { listAppEvents } from "@/lib/events/process-events";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";
import { EventQuerySchema, fieldErrors } from "@/lib/protocol";

export const GET = handler("read", async (req, { params }) => {
  const query = EventQuerySchema.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!query.success) return Response.json({ code: "BAD_REQUEST", message: "Invalid event query.", fields: fieldErrors(query.error) }, { status: 400 });
  return toResponse(await listAppEvents(params.id, query.data));
});
