// POST {method, path, query, headers, body} → {status, headers, body, stderr, ms}, straight to the app's socket.
import { sendTestRequest } from "@/lib/apps/test-request";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { TestRequestSchema } from "@/lib/protocol";

export const POST = handler("apps.operate", async (req, { audit, params }) => {
  const body = await parseBody(req, TestRequestSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await sendTestRequest(params.id, body.value, audit));
});
