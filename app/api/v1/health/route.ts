// GET: liveness for scripts and load balancers. Says nothing about hosts or apps. `instance` is the
// nonce `npm start` gave this server, so its health check knows it reached the server it started.
import { publicHandler } from "@/lib/http/handler";

export const GET = publicHandler(async () => Response.json({ ok: true, instance: process.env.STOKER_START_NONCE ?? null }));
