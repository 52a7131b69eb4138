// GET: every config version applied for this app, newest first (who, when, outcome, text).
import { handler } from "@/lib/http/handler";
import { webConfigHistory } from "@/lib/webconfig/web-config";

export const GET = handler("read", async (_req, { params }) => Response.json(await webConfigHistory(params.id)));
