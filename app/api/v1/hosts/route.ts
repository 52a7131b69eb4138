// GET: enrolled hosts with their live status and facts; ?limit=&cursor=&q= → {items, nextCursor},
// without limit the old array (at most UNPAGED_MAX).
import { listHosts, pageHosts } from "@/lib/hosts/list-hosts";
import { handler } from "@/lib/http/handler";
import { listResponse } from "@/lib/http/list-response";

export const GET = handler("read", async (req) => listResponse(req, listHosts, pageHosts));
