// POST: generate or rotate the app's deploy-webhook secret; the answer is the only time it is shown (admin).
import { rotateDeploySecret } from "@/lib/deploy/deploy-hook";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const POST = handler("apps.write", async (_req, { params, audit }) => toResponse(await rotateDeploySecret(params.id, audit)));
