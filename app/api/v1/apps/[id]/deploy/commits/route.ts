// GET ?to=REF[&from=REF]: commits a deployment of `to` would bring over the live release.
import * as z from "zod";
import { deployCommits } from "@/lib/deploy/deploy-queries";
import { handler } from "@/lib/http/handler";
import { parseQuery } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { GitRefNameSchema } from "@/lib/protocol";

const QuerySchema = z.object({ to: GitRefNameSchema, from: GitRefNameSchema.optional() });

export const GET = handler("read", async (req, { params }) => {
  const q = parseQuery(req, QuerySchema);
  if (!q.ok) return toResponse(q);
  return toResponse(await deployCommits(params.id, q.value.to, q.value.from));
});
