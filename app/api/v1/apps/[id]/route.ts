// GET: spec + processes + socket state. PUT: new spec (rolling replacement). DELETE: stop and remove.
import { getApp } from "@/lib/apps/list-apps";
import { deleteApp, updateApp } from "@/lib/apps/save-app";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { AppSpecSchema } from "@/lib/protocol";

export const GET = handler("read", async (_req, { actor, params }) => toResponse(await getApp(params.id, actor)));

export const PUT = handler("apps.write", async (req, { audit, params }) => {
  const spec = await parseBody(req, AppSpecSchema);
  if (!spec.ok) return toResponse(spec);
  return toResponse(await updateApp(params.id, spec.value, audit));
});

export const DELETE = handler("apps.write", async (_req, { audit, params }) => toResponse(await deleteApp(params.id, audit)));
