// GET: alerts, firing first by recency: one per rule and subject, with how often it fired and when it was last sent.
import { listAlerts } from "@/lib/alerts/history";
import { handler } from "@/lib/http/handler";

export const GET = handler("read", async () => Response.json(await listAlerts()));
