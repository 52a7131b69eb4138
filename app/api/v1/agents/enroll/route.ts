// POST {token, name} from an agent → {hostId, hostKey}. Authenticated by the one-time join token itself.
import { seedDemoApp } from "@/lib/apps/seed-demo-app";
import { clientIp } from "@/lib/audit/audit-context";
import { enrollHost } from "@/lib/hosts/join-tokens";
import { publicHandler } from "@/lib/http/handler";
import { parseBody } from "@/lib/http/parse-body";
import { toResponse } from "@/lib/http/to-response";
import { EnrollRequestSchema } from "@/lib/protocol";

export const POST = publicHandler(async (req) => {
  const body = await parseBody(req, EnrollRequestSchema);
  if (!body.ok) return toResponse(body);
  const enrolled = await enrollHost(body.value.token, body.value.name, clientIp(req));
  if (!enrolled.ok) return toResponse(enrolled);
  if (enrolled.value.local) await seedDemoApp(enrolled.value.hostId);
  return Response.json({ hostId: enrolled.value.hostId, hostKey: enrolled.value.hostKey }, { status: 201 });
});
