// GET: the host's web servers (detected, with health) and its web-server setting.
// PUT {nginx?, lighttpd?, apache?}: replace the setting (owner: its commands run as the agent, root); audited, sent to the agent.
import { getHostWebServers, setHostWebTargets } from "@/lib/hosts/web-targets";
import { handler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { WebTargetsSchema } from "@/lib/protocol";

export const GET = handler("read", async (_req, { params }) => toResponse(await getHostWebServers(params.id)));

export const PUT = handler("hosts.web-servers", async (req, { params, audit }) => {
  const body = await parseBody(req, WebTargetsSchema);
  if (!body.ok) return toResponse(body);
  return toResponse(await setHostWebTargets(params.id, body.value, audit));
});
