// POST: one extra instance as the app's user, in its cwd, with its env, on a temporary socket; one request.
import { runByHand } from "@/lib/debug/diagnose";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const POST = handler("apps.operate", async (_req, { params, audit }) => toResponse(await runByHand(params.id, audit)));
