// POST: end every session of mine, this one included.
import { logoutEverywhere } from "@/lib/auth/account";
import { clearedSessionCookie } from "@/lib/auth/sessions";
import { handler } from "@/lib/http/handler";

export const POST = handler("read", async (_req, { actor, audit }) =>
  Response.json(await logoutEverywhere(actor, audit), { headers: { "set-cookie": clearedSessionCookie() } }),
);
