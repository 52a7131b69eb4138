// POST {server?} → {ok, step, validatorOutput, probe, rolledBack, version}. Admin only.
import * as z from "zod";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { WebServerSchema } from "@/lib/protocol";
import { applyWebConfig } from "@/lib/webconfig/web-config";

const BodySchema = z.strictObject({ server: WebServerSchema.optional() });

export const POST = handler("apps.write", async (req, { params, audit }) => {
  const body = await parseBody(req, BodySchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await applyWebConfig(params.id, audit, { server: body.value.server }));
});
