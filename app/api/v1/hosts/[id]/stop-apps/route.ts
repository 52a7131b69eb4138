// POST: stop every app on the host (operator); audited per app and once for the host.
import { stopHostApps } from "@/lib/hosts/stop-host-apps";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const POST = handler("apps.operate", async (_req, { audit, params }) => toResponse(await stopHostApps(params.id, audit)));
