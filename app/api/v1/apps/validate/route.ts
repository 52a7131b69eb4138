// POST spec: everything creating the app would check, live on its host, without saving or starting (200 {valid: true}, 400 with field errors).
import { checkApp } from "@/lib/apps/check-app";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { AppSpecSchema } from "@/lib/protocol";

export const POST = handler("apps.write", async (req, { audit }) => {
  const spec = await parseBody(req, AppSpecSchema);
  if (!spec.ok) return toResponse(spec);
  return toResponse(await checkApp(spec.value, audit));
});
