// GET: the agent install script (no login: it holds no secret; the join token is its argument).
import { controlPlaneUrl, installScript } from "@/lib/agent-dist/install-script";
import { publicHandler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const GET = publicHandler(async (req) => {
  const url = controlPlaneUrl(req);
  if (!url.ok) return toResponse(url);
  const script = await installScript(url.value);
  if (!script.ok) return toResponse(script);
  return new Response(script.value, { headers: { "content-type": "text/x-shellscript; charset=utf-8", "cache-control": "no-store" } });
});
