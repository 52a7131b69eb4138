// The control plane's end of the run-as rule (lib/protocol/run-as.ts): an actor's role decides
// whether what it asks for carries the owner's approval for uid 0. Every caller goes through here.
import type { Actor } from "../audit/audit-context";
import { decideRunAs, type RunPurpose } from "../protocol";
import type { Result } from "../result";

/** The owner, or the control plane itself (e.g. the demo app `npm start` seeds on its own agent). */
export function actorIsOwner(actor: Actor): boolean {
  if (actor.type === "system") return true;
  return (actor.type === "user" || actor.type === "token") && actor.role === "owner";
}

/** Refuses root to anyone but an owner; otherwise says whether the request carries uid-0 approval. */
export function runAsDecision(actor: Actor, purpose: RunPurpose, user: string | undefined): Result<{ rootApproved: boolean }> {
  const decided = decideRunAs({ purpose, user, actorIsOwner: actorIsOwner(actor) });
  // An owner's request carries the approval whatever the name: uid 0 may hide behind another name
  // (toor), which only the agent can see; everyone else's never does, so the agent refuses it.
  return decided.ok ? { ok: true, value: { rootApproved: actorIsOwner(actor) } } : decided;
}
