// GET: {ok, checked, firstBrokenId}: walks the hash chain to find an edited or deleted event.
import { verifyAudit } from "@/lib/audit/verify-audit";
import { handler } from "@/lib/http/handler";

export const GET = handler("audit.read", async () => Response.json(await verifyAudit()));
