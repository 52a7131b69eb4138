// POST: send a test message to the channel now; answers {sent, attempts, error} and records it in the history.
import { sendTestMessage } from "@/lib/alerts/test-channel";
import { handler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";

export const POST = handler("alerts.write", async (_req, { audit, params }) => toResponse(await sendTestMessage(params.id, audit)));
