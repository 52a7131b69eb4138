// GET: the releases kept on the host, newest first, and which one is live.
import { deployReleases } from "@/lib/deploy/deploy-queries";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const GET = handler("read", async (_req, { params }) => toResponse(await deployReleases(params.id)));
