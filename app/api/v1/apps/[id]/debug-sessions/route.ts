// POST {user?, cols, rows} → {id}: a recorded terminal; the stream goes over /ws/ui (pty.attach).
import { OpenSessionSchema, openDebugSession } from "@/lib/debug/debug-sessions";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";

export const POST = handler("apps.operate", async (req, { actor, audit, params }) => {
  const body = await parseBody(req, OpenSessionSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await openDebugSession(params.id, actor, body.value, audit), 201);
});
