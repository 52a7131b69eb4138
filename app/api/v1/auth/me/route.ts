// GET: who am I (email, role, how authenticated).
import { handler } from "@/lib/http/handler";

export const GET = handler("read", async (_req, { actor }) =>
  Response.json({ userId: actor.userId, email: actor.email, role: actor.role, via: actor.type }),
);
