// Discovery on a host: the agent reports the FastCGI apps already running or configured there
// (agent/discovery/discover.ts), each as a spec to import with POST /api/v1/apps. Proposed specs
// carry the environment read from the processes, so asking is an admin's act, and audited.
import "server-only";
import { agentHub } from "../agents/agent-hub";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import { type DiscoveryResult, DiscoveryResultSchema } from "../protocol";
import { err, ok, type Result } from "../result";

export async function discoverApps(hostId: string, audit: AuditContext): Promise<Result<DiscoveryResult>> {
  const host = await db.host.findUnique({ where: { id: hostId } });
  if (!host) return err("NOT_FOUND", "That host does not exist.");
  const found = await agentHub().call(hostId, { op: "host.discover" }, 60_000);
  if (!found.ok) return found;
  const parsed = DiscoveryResultSchema.safeParse(found.value);
  if (!parsed.success) {
    console.error(`[discovery] host ${host.name} answered a malformed result`, parsed.error.issues.slice(0, 3));
    return err("FAILED", "The agent's answer could not be read; is it an older version?");
  }
  // The agent does not name its host: each spec gets this host's id, ready for POST /api/v1/apps.
  const candidates = parsed.data.candidates.map((c) => {
    const { name, ...rest } = c.spec;
    return { ...c, spec: { name, hostId, ...rest } };
  });
  await db.$transaction((tx) =>
    appendAudit(tx, audit, { action: "host.discovery", target: `host:${host.name}`, after: { candidates: candidates.map((c) => ({ name: c.spec.name, pids: c.pids })) } }),
  );
  return ok({ candidates });
}
