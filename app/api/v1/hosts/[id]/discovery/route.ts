// POST: the FastCGI apps already running or configured on the host, as specs to import (admin).
// → {"candidates": [{"spec": {…}, "pids": [..], "source": "…"}]}
import { discoverApps } from "@/lib/hosts/discover-apps";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const POST = handler("apps.write", async (_req, { audit, params }) => toResponse(await discoverApps(params.id, audit)));
