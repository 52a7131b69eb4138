// GET: apps with their host and processes; ?limit=&cursor=&q= → {items, nextCursor}, without limit the
// old array (at most UNPAGED_MAX). POST: create an app from a spec (201 {id}, 400 with field errors).
import { listApps, pageApps } from "@/lib/apps/list-apps";
import { createApp } from "@/lib/apps/save-app";
import { handler } from "@/lib/http/handler";
import { listResponse } from "@/lib/http/list-response";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { AppSpecSchema } from "@/lib/protocol";

export const GET = handler("read", async (req, { actor }) => listResponse(req, (q) => listApps(actor, q), (q) => pageApps(actor, q)));

export const POST = handler("apps.write", async (req, { audit }) => {
  const spec = await parseBody(req, AppSpecSchema);
  if (!spec.ok) return toResponse(spec);
  return toResponse(await createApp(spec.value, audit), 201);
});
