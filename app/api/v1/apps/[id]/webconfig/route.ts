// GET ?server=nginx|lighttpd|apache → {server, text, path, applied, drift}.
import * as z from "zod";
import { handler } from "@/lib/http/handler";
import { parseQuery } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { WebServerSchema } from "@/lib/protocol";
import { getWebConfig } from "@/lib/webconfig/web-config";

const QuerySchema = z.object({ server: WebServerSchema.optional() });

export const GET = handler("read", async (req, { params }) => {
  const q = parseQuery(req, QuerySchema);
  if (!q.ok) return toResponse(q);
  return toResponse(await getWebConfig(params.id, q.value.server));
});
