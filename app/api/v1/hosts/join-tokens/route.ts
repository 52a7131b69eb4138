// POST: a one-time join token for enrolling another host (`stoker agent join URL TOKEN`), and the URL
// that host would fetch install.sh from (STOKER_PUBLIC_URL, else the address this request came to).
import { controlPlaneUrl } from "@/lib/agent-dist/install-script";
import { createJoinToken } from "@/lib/hosts/join-tokens";
import { handler } from "@/lib/http/handler";

export const POST = handler("hosts.manage", async (req, { audit }) => {
  const { token, expiresAt } = await createJoinToken(audit);
  const url = controlPlaneUrl(req);
  return Response.json({ token, expiresAt: expiresAt.toISOString(), ...(url.ok ? { controlPlaneUrl: url.value } : {}) }, { status: 201 });
});
