// POST {server, version}: apply an earlier version again, through the same safe pipeline. Admin only.
import * as z from "zod";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { WebServerSchema } from "@/lib/protocol";
import { rollbackWebConfig } from "@/lib/webconfig/web-config";

const BodySchema = z.strictObject({ server: WebServerSchema, version: z.number().int().min(1) });

export const POST = handler("apps.write", async (req, { params, audit }) => {
  const body = await parseBody(req, BodySchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await rollbackWebConfig(params.id, body.value.server, body.value.version, audit));
});
