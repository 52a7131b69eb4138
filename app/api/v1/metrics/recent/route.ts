// GET: every app's last 15 minutes (CPU %, RSS, requests/s, 5xx/s) for the overview's sparklines.
import { handler } from "@/lib/http/handler";
import { sparklines } from "@/lib/metrics/sparklines";

export const GET = handler("read", async () => Response.json(sparklines()));
