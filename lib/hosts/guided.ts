// The guided New-app form's questions to a host's agent: list a directory as the app's user, and
// propose a spec from a script. Admins only (they name files on the host); nothing is changed.
import "server-only";
import { agentHub } from "../agents/agent-hub";
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

export function browseHost(hostId: string, dir: string, user: string): Promise<Result<BrowseResult>> {
  return ask(hostId, { op: "host.browse", path: dir, user }, BrowseResultSchema);
}

export function proposeOnHost(hostId: string, q: { script: string; user: string; name: string; runtime?: Runtime }): Promise<Result<Proposal>> {
  return ask(hostId, { op: "app.propose", ...q }, ProposalSchema);
}
