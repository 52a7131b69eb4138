// GET: every app with its host and processes. POST: create an app from a spec (201 {id}, 400 with field errors).
import { listApps } from "@/lib/apps/list-apps";
import { createApp } from "@/lib/apps/save-app";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { AppSpecSchema } from "@/lib/protocol";

export const GET = handler("read", async (_req, { actor }) => Response.json(await listApps(actor)));

export const POST = handler("apps.write", async (req, { audit }) => {
  const spec = await parseBody(req, AppSpecSchema);
  if (!spec.ok) return toResponse(spec);
  return toResponse(await createApp(spec.value, audit), 201);
});
