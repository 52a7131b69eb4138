// Web servers as a host setting: the targets an admin chose for a host (stored on the control
// plane, audited in the same transaction), sent to the host's agent now and on every reconnect.
// The agent merges them over what it detected; STOKER_WEB_TARGETS and web-targets.json still win.
import "server-only";
import { agentHub } from "../agents/agent-hub";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import { type DetectedWebServer, StoredHostFactsSchema, type WebTargets, WebTargetsSchema } from "../protocol";
import { err, ok, type Result } from "../result";

export type HostWebServers = { hostId: string; setting: WebTargets; servers: DetectedWebServer[]; delivered: boolean | null };

/** The stored setting (Host.webTargets, for the agent's welcome); anything unreadable is no setting. */
export function parseSetting(text: string): WebTargets {
  try {
    const parsed = WebTargetsSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** The host's setting and each web server as its agent last reported it (health included). */
export async function getHostWebServers(hostId: string): Promise<Result<HostWebServers>> {
  const host = await db.host.findUnique({ where: { id: hostId } });
  if (!host) return err("NOT_FOUND", "That host does not exist.");
  const live = agentHub().facts.get(hostId);
  const stored = StoredHostFactsSchema.safeParse(JSON.parse(host.facts || "{}"));
  const servers = live?.webServers ?? (stored.success ? stored.data.webServers : undefined) ?? [];
  return ok({ hostId, setting: parseSetting(host.webTargets), servers, delivered: null });
}

/** Saves the setting with its audit event, then hands it to the agent (if connected). */
export async function setHostWebTargets(hostId: string, targets: WebTargets, audit: AuditContext): Promise<Result<HostWebServers>> {
  const host = await db.host.findUnique({ where: { id: hostId } });
  if (!host) return err("NOT_FOUND", "That host does not exist.");
  await db.$transaction(async (tx) => {
    await tx.host.update({ where: { id: hostId }, data: { webTargets: JSON.stringify(targets) } });
    // Same tx: a failed audit insert must undo the change.
    await appendAudit(tx, audit, { action: "host.web-targets.updated", target: `host:${host.name}`, before: parseSetting(host.webTargets), after: targets });
  });
  // After the commit: an offline agent gets it in its next welcome.
  const sent = await agentHub().call(hostId, { op: "host.web-targets", targets }, 15_000);
  const view = await getHostWebServers(hostId);
  if (!view.ok) return view;
  const reported = sent.ok ? (sent.value as { webServers?: DetectedWebServer[] }).webServers : undefined;
  return ok({ ...view.value, servers: Array.isArray(reported) ? reported : view.value.servers, delivered: sent.ok });
}
