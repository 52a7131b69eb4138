// POST: save the running revision's spec as a new revision, dropping a saved revision that failed to apply.
import { revertApp } from "@/lib/apps/revise-app";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const POST = handler("apps.write", async (_req, { audit, params }) => toResponse(await revertApp(params.id, audit)));
