// POST: ends this browser session.
import { clearedSessionCookie, deleteSession, readCookie, SESSION_COOKIE } from "@/lib/auth/sessions";
import { handler } from "@/lib/http/handler";

export const POST = handler("read", async (req) => {
  const token = readCookie(req.headers.get("cookie"), SESSION_COOKIE);
  if (token) await deleteSession(token);
  return Response.json({ ok: true }, { headers: { "set-cookie": clearedSessionCookie() } });
});
