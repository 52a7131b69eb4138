// POST: apply the saved (desired) revision again after it failed; the running one keeps serving if it fails again.
import { retryApp } from "@/lib/apps/revise-app";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const POST = handler("apps.write", async (_req, { audit, params }) => toResponse(await retryApp(params.id, audit)));
