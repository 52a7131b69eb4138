// GET: apps with their host and processes; ?limit=&cursor=&q= → {items, nextCursor}, without limit the
// old array (at most UNPAGED_MAX). POST: create an app from a spec (201 {id}, 400 with field errors);
// with "adopt": {"pids": [...]}, the app takes over those running processes (discovery's import).
import { listApps, pageApps } from "@/lib/apps/list-apps";
import { createApp } from "@/lib/apps/save-app";
import { handler } from "@/lib/http/handler";
import { listResponse } from "@/lib/http/list-response";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { AdoptSchema, AppSpecFields, refineAppSpec } from "@/lib/protocol";

/** A spec, or a spec with `adopt` (discovery's import: take over running processes). */
const CreateSchema = AppSpecFields.extend({ adopt: AdoptSchema.optional() }).superRefine(refineAppSpec);

export const GET = handler("read", async (req, { actor }) => listResponse(req, (q) => listApps(actor, q), (q) => pageApps(actor, q)));

export const POST = handler("apps.write", async (req, { audit }) => {
  const body = await parseBody(req, CreateSchema);
  if (!body.ok) return toResponse(body);
  const { adopt, ...spec } = body.value;
  return toResponse(await createApp(spec, audit, adopt), 201);
});
