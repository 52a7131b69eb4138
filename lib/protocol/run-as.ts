// Who may run what as which user (DESIGN decision 11): the one rule for apps, build steps,
// run-by-hand, the doctor and terminals, applied by the control plane (by role) and again by the
// agent (by uid). uid 0 is the owner's decision; an omitted `user` never means root.
import { err, ok, type Result } from "./result";

/** What is about to run as a user: named in messages and audit rows. */
export type RunPurpose = "app" | "build" | "run-by-hand" | "doctor" | "terminal";

const WHAT: Record<RunPurpose, string> = {
  app: "Running an app",
  build: "Running build steps",
  "run-by-hand": "Running an app by hand",
  doctor: "Running the doctor's start-up check",
  terminal: "Opening a terminal",
};

/** The user names the control plane treats as uid 0 before the agent has resolved them. */
export const ROOT_NAMES: ReadonlySet<string> = new Set(["root"]);

export function namesRoot(user: string | undefined): boolean {
  return user !== undefined && ROOT_NAMES.has(user);
}

/**
 * Control-plane side: may an actor make something run as `user`? Root needs the owner (or the
 * system itself, e.g. the installer's own demo app). Returns whether the result carries root approval.
 */
export function decideRunAs(input: { purpose: RunPurpose; user: string | undefined; actorIsOwner: boolean }): Result<{ rootApproved: boolean }> {
  if (!namesRoot(input.user)) return ok({ rootApproved: false });
  if (!input.actorIsOwner) {
    return err("FORBIDDEN", `${WHAT[input.purpose]} as root needs the owner role. Choose an unprivileged user (e.g. "www-data"), or ask an owner.`, {
      fields: [{ path: "user", message: "Running as root needs the owner role." }],
    });
  }
  return ok({ rootApproved: true });
}

/**
 * Agent side: the user a process runs as, given the spec's `user`, the agent's own identity and
 * whether the control plane (or the host's own config file) carried the owner's approval for uid 0.
 * Returns the user name to run as, or a message for the spec's `user` field.
 */
export function resolveRunAs(input: {
  purpose: RunPurpose;
  user: string | undefined;
  agent: { name: string; uid: number };
  lookupUid: (name: string) => number | null;
  rootApproved: boolean;
}): { ok: true; user: string } | { ok: false; message: string } {
  const wanted = input.user ?? (input.agent.uid === 0 ? undefined : input.agent.name);
  if (wanted === undefined) {
    return {
      ok: false,
      message: `This agent runs as root, so say which user to run as ("user": "www-data"); leaving "user" out never means root.`,
    };
  }
  const uid = input.lookupUid(wanted);
  if (uid === null) return { ok: false, message: `No user named "${wanted}" exists on this host.` };
  if (uid === 0 && !input.rootApproved) {
    return { ok: false, message: `${WHAT[input.purpose]} as "${wanted}" (uid 0) needs the owner's approval; this request does not carry it.` };
  }
  return { ok: true, user: wanted };
}
