// GET: liveness for scripts and load balancers. Says nothing about hosts or apps.
import { publicHandler } from "@/lib/http/handler";

export const GET = publicHandler(async () => Response.json({ ok: true }));
