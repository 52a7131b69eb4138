// The dashboard's and API's view of a host: stored row + whether its agent is connected now.
import "server-only";
import type { Host } from "@/generated/prisma/client";
import { agentHub } from "../agents/agent-hub";
import { HostFactsSchema, type HostView } from "../protocol";

export function hostView(host: Host): HostView {
  const hub = agentHub();
  const live = hub.facts.get(host.id);
  const stored = HostFactsSchema.partial().safeParse(JSON.parse(host.facts || "{}"));
  return {
    id: host.id,
    name: host.name,
    online: hub.isOnline(host.id),
    lastSeenAt: host.lastSeenAt?.toISOString() ?? null,
    facts: live ?? (stored.success ? stored.data : {}),
  };
}
