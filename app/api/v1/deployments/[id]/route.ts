// GET: one deployment or rollback with its steps and their output.
import { getDeployment } from "@/lib/deploy/deploy-queries";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const GET = handler("read", async (_req, { params }) => toResponse(await getDeployment(params.id)));
