// GET: my active sessions (browser, IP, last seen), marking this one.
import { listSessions } from "@/lib/auth/account";
import { readCookie, SESSION_COOKIE } from "@/lib/auth/sessions";
import { handler } from "@/lib/http/handler";

export const GET = handler("read", async (req, { actor }) => Response.json(await listSessions(actor, readCookie(req.headers.get("cookie"), SESSION_COOKIE))));
