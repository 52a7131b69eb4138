// POST {release}: switch back to a kept release with the same zero-failure swap (admin).
import * as z from "zod";
import { startDeployment } from "@/lib/deploy/start-deployment";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { ReleaseNameSchema } from "@/lib/protocol";

const BodySchema = z.strictObject({ release: ReleaseNameSchema });

export const POST = handler("apps.write", async (req, { params, audit }) => {
  const body = await parseBody(req, BodySchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await startDeployment(params.id, { kind: "rollback", release: body.value.release }, audit), 202);
});
