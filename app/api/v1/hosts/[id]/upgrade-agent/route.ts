// POST: upgrade the host's agent in place to the bundle this control plane serves (admin).
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";
import { upgradeHostAgent } from "@/lib/hosts/upgrade-agent";

export const POST = handler("hosts.manage", async (_req, { audit, params }) => toResponse(await upgradeHostAgent(params.id, audit)));
