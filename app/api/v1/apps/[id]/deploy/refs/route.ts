// GET: branches and tags of the app's source repository, for the ref picker.
import { deployRefs } from "@/lib/deploy/deploy-queries";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const GET = handler("read", async (_req, { params }) => toResponse(await deployRefs(params.id)));
