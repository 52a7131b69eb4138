// GET: enrolled hosts with their live status and facts.
import { listHosts } from "@/lib/hosts/list-hosts";
import { handler } from "@/lib/http/handler";

export const GET = handler("read", async () => Response.json(await listHosts()));
