// The control plane's end of the run-as rule (lib/protocol/run-as.ts): an actor's role and the
// host's owner-edited list of allowed users decide whether a request may run as a user and whether
// it carries the owner's approval for uid 0. Every caller goes through here.
import "server-only";
import type { Actor } from "../audit/audit-context";
import { hostRunAsUsers } from "../hosts/run-as-users";
import { decideRunAs, type RunPurpose } from "../protocol";
import type { Result } from "../result";

/** The owner, or the control plane itself (e.g. the demo app `npm start` seeds on its own agent). */
export function actorIsOwner(actor: Actor): boolean {
  if (actor.type === "system") return true;
  return (actor.type === "user" || actor.type === "token") && actor.role === "owner";
}

/**
 * Refuses what the actor may not run on `hostId` (root without the owner, or a user off the host's
 * list); otherwise says whether the request carries uid-0 approval.
 */
export async function runAsDecision(actor: Actor, hostId: string, purpose: RunPurpose, user: string | undefined, group?: string): Promise<Result<{ rootApproved: boolean }>> {
  const owner = actorIsOwner(actor);
  const allowedUsers = owner ? null : await hostRunAsUsers(hostId);
  const decided = decideRunAs({ purpose, user, group, actorIsOwner: owner, allowedUsers });
  if (!decided.ok) return decided;
  // An owner's request carries the approval whatever the name: uid 0 may hide behind another name
  // (toor), which only the agent can see. A non-owner's carries it only for a user the owner listed.
  return { ok: true, value: { rootApproved: owner || decided.value.rootApproved } };
}
