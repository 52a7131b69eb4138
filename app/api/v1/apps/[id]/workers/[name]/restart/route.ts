// POST: restart a worker's instances (body {"index": N} for one instance), gracefully; audited.
import { z } from "zod";
import { restartWorker } from "@/lib/apps/app-jobs";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { err } from "@/lib/result";

const BodySchema = z.strictObject({ index: z.number().int().min(0).max(1023).optional() });

export const POST = handler("apps.operate", async (req, { audit, params }) => {
  // parseBody counts the bytes as they stream (413 past the limit) and needs a JSON content type.
  const body = await parseBody(req, BodySchema);
  if (!body.ok) return toResponse(body);
  if (!/^[a-z0-9][a-z0-9_-]{0,39}$/.test(params.name)) return toResponse(err("NOT_FOUND", "No worker by that name."));
  return toResponse(await restartWorker(params.id, params.name, body.value.index, audit));
});
