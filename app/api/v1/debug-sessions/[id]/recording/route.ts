// GET: the session's asciicast v2 recording (its owner and admins).
import { getRecording } from "@/lib/debug/debug-sessions";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const GET = handler("read", async (_req, { actor, params }) => toResponse(await getRecording(params.id, actor)));
