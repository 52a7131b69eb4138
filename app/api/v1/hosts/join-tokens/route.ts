// POST: a one-time join token for enrolling another host (`stoker agent join URL TOKEN`).
import { createJoinToken } from "@/lib/hosts/join-tokens";
import { handler } from "@/lib/http/handler";

export const POST = handler("hosts.manage", async (_req, { audit }) => {
  const { token, expiresAt } = await createJoinToken(audit);
  return Response.json({ token, expiresAt: expiresAt.toISOString() }, { status: 201 });
});
