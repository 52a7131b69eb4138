// Upgrading a host's agent in place to the bundle this control plane serves: the agent downloads
// it from here, checks it against the checksum sent with the request, swaps and restarts; its apps
// keep running (the log keeper holds their output, the new agent adopts them). Audited once.
import "server-only";
import { agentBundle } from "../agent-dist/agent-bundle";
import { agentHub } from "../agents/agent-hub";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import { err, ok, type Result } from "../result";

export type AgentUpgrade = { from: string | null; to: string };

export async function upgradeHostAgent(hostId: string, audit: AuditContext): Promise<Result<AgentUpgrade>> {
  const host = await db.host.findUnique({ where: { id: hostId } });
  if (!host) return err("NOT_FOUND", "That host does not exist.");
  const facts = agentHub().facts.get(hostId);
  if (!agentHub().isOnline(hostId) || !facts) return err("HOST_OFFLINE", `${host.name}'s agent is not connected.`);
  if (!facts.agentUpgradable) {
    return err("CONFLICT", `${host.name}'s agent was not installed with install.sh (it runs from a checkout or by hand): update it where it runs, or reinstall it with the command under Add host.`);
  }
  const bundle = await agentBundle(facts.arch);
  if (!bundle.ok) return bundle;
  if (facts.agentBuild === bundle.value.build) return err("CONFLICT", `${host.name} already runs build ${bundle.value.build}.`);
  const reply = await agentHub().call(hostId, { op: "agent.upgrade", build: bundle.value.build, sha256: bundle.value.sha256 }, 180_000);
  await db.$transaction((tx) =>
    appendAudit(tx, audit, {
      action: "host.agent-upgrade",
      target: `host:${host.name}`,
      before: { build: facts.agentBuild ?? null, version: facts.agentVersion },
      after: { build: bundle.value.build, version: bundle.value.version, ...(reply.ok ? {} : { error: reply.message }) },
      result: reply.ok ? "success" : "failure",
    }),
  );
  if (!reply.ok) return reply;
  return ok({ from: facts.agentBuild ?? null, to: bundle.value.build });
}

/** The build a host's agent would be upgraded to (null: this control plane serves none for its arch). */
export async function servedBuild(arch: string | undefined): Promise<string | null> {
  if (!arch) return null;
  const b = await agentBundle(arch);
  return b.ok ? b.value.build : null;
}
