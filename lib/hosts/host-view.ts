// The dashboard's and API's view of a host: stored row + what its agent reported in memory (facts,
// last seen) and whether it is connected now. Built without the database when the agent is live.
import "server-only";
import type { Host } from "@/generated/prisma/client";
import { agentHub } from "../agents/agent-hub";
import { type HostView, StoredHostFactsSchema } from "../protocol";
import { hostReports } from "./host-reports";

function storedFacts(text: string): HostView["facts"] {
  try {
    const parsed = StoredHostFactsSchema.safeParse(JSON.parse(text || "{}"));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export function hostView(host: Pick<Host, "id" | "name" | "lastSeenAt" | "facts">): HostView {
  const live = agentHub().facts.get(host.id);
  return {
    ...liveHostView(host),
    lastSeenAt: (hostReports().lastSeen(host.id) ?? host.lastSeenAt)?.toISOString() ?? null,
    facts: live ?? storedFacts(host.facts),
  };
}

/** A host as its agent last reported it, from memory only (the live fan-out; no database read). */
export function liveHostView(host: { id: string; name: string }): HostView {
  return {
    id: host.id,
    name: host.name,
    online: agentHub().isOnline(host.id),
    lastSeenAt: hostReports().lastSeen(host.id)?.toISOString() ?? null,
    facts: agentHub().facts.get(host.id) ?? {},
  };
}
