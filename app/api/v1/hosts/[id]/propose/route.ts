// POST {script, user, name, runtime?}: the agent reads the script and proposes the rest of the spec.
import * as z from "zod";
import { proposeOnHost } from "@/lib/hosts/guided";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { AbsPathSchema, AppNameSchema, PosixNameSchema, RuntimeSchema } from "@/lib/protocol";

const BodySchema = z.strictObject({ script: AbsPathSchema, user: PosixNameSchema, name: AppNameSchema, runtime: RuntimeSchema.optional() });

export const POST = handler("apps.write", async (req, { actor, params }) => {
  const body = await parseBody(req, BodySchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await proposeOnHost(actor, params.id, body.value));
});
