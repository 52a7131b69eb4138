// GET: a signed checkpoint of the audit chain {version, id, hash, at, signature} to keep outside
// Stoker. POST (body: a checkpoint): does the history still hold that event with that hash?
import { auditCheckpoint, CheckpointSchema, checkCheckpoint } from "@/lib/audit/checkpoint";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";

export const GET = handler("audit.checkpoint", async () => Response.json(await auditCheckpoint()));

export const POST = handler("audit.checkpoint", async (req) => {
  const body = await parseBody(req, CheckpointSchema);
  if (!body.ok) return toResponse(body);
  return Response.json(await checkCheckpoint(body.value));
});
