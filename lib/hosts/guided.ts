// The guided New-app form's questions to a host's agent: list a directory as the app's user, and
// propose a spec from a script. Admins only (they name files on the host); nothing is changed.
// The user they read as goes through the run-as rule: reading as root is the owner's decision too.
import "server-only";
import { agentHub } from "../agents/agent-hub";
import type { Actor } from "../audit/audit-context";
import { runAsDecision } from "../auth/run-as";
import { db } from "../db";
import { type BrowseResult, BrowseResultSchema, type Proposal, ProposalSchema, type Runtime } from "../protocol";
import { err, ok, type Result } from "../result";

async function ask<T>(hostId: string, op: Parameters<ReturnType<typeof agentHub>["call"]>[1], schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }): Promise<Result<T>> {
  const host = await db.host.findUnique({ where: { id: hostId } });
  if (!host) return err("NOT_FOUND", "That host does not exist.");
  const reply = await agentHub().call(hostId, op, 15_000);
  if (!reply.ok) return reply;
  const parsed = schema.safeParse(reply.value);
  return parsed.success ? ok(parsed.data) : err("FAILED", "The agent answered with something this control plane does not understand (an older agent?).");
}

export async function browseHost(actor: Actor, hostId: string, dir: string, user: string): Promise<Result<BrowseResult>> {
  const runAs = await runAsDecision(actor, hostId, "browse", user);
  if (!runAs.ok) return runAs;
  return ask(hostId, { op: "host.browse", path: dir, user, rootApproved: runAs.value.rootApproved }, BrowseResultSchema);
}

export async function proposeOnHost(actor: Actor, hostId: string, q: { script: string; user: string; name: string; runtime?: Runtime }): Promise<Result<Proposal>> {
  const runAs = await runAsDecision(actor, hostId, "browse", q.user);
  if (!runAs.ok) return runAs;
  return ask(hostId, { op: "app.propose", ...q, rootApproved: runAs.value.rootApproved }, ProposalSchema);
}
