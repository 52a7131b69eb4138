// POST spec: everything saving this changed spec would check, live on the app's host, without saving it (200 {valid: true}, 400 with field errors).
import { checkAppEdit } from "@/lib/apps/check-app";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { AppSpecSchema } from "@/lib/protocol";

export const POST = handler("apps.write", async (req, { audit, params }) => {
  const spec = await parseBody(req, AppSpecSchema);
  if (!spec.ok) return toResponse(spec);
  return toResponse(await checkAppEdit(params.id, spec.value, audit));
});
