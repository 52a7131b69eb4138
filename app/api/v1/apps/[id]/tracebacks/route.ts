// GET: traceback groups, newest first: [{fingerprint, language, type, message, count, firstSeen, lastSeen, sample, …}].
import { listTracebacks } from "@/lib/apps/app-logs";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const GET = handler("read", async (_req, { params }) => toResponse(await listTracebacks(params.id)));
