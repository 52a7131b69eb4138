// POST {server?}: accept a hand-edited config on disk as the applied version. Admin only.
import * as z from "zod";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { WebServerSchema } from "@/lib/protocol";
import { adoptWebConfig } from "@/lib/webconfig/web-config";

const BodySchema = z.strictObject({ server: WebServerSchema.optional() });

export const POST = handler("apps.write", async (req, { params, audit }) => {
  const body = await parseBody(req, BodySchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await adoptWebConfig(params.id, body.value.server, audit));
});
