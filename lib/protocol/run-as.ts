// Who may run what as which user (DESIGN decision 11): the one rule for apps, build steps,
// run-by-hand, the doctor, terminals and reading the host's files as a user (the guided form), applied by the control plane (by role) and again by the
// agent (by uid). uid 0 is the owner's decision; an omitted `user` never means root.
import { err, ok, type Result } from "./result";

/** What is about to run as a user: named in messages and audit rows. */
export type RunPurpose = "app" | "build" | "run-by-hand" | "doctor" | "terminal" | "browse";

const WHAT: Record<RunPurpose, string> = {
  app: "Running an app",
  build: "Running build steps",
  "run-by-hand": "Running an app by hand",
  doctor: "Running the doctor's start-up check",
  terminal: "Opening a terminal",
  // The guided form's listing and script reading: the agent reads with that user's permissions.
  browse: "Reading the host's files",
};

/** The user names the control plane treats as uid 0 before the agent has resolved them. */
export const ROOT_NAMES: ReadonlySet<string> = new Set(["root"]);

export function namesRoot(user: string | undefined): boolean {
  return user !== undefined && ROOT_NAMES.has(user);
}

/** A unix user name as Debian's adduser accepts it (the list and every `user` field use it). */
export const UNIX_USER_RE = /^[a-z_][a-z0-9_-]{0,31}\$?$/;

/** Where an owner changes a host's list: named in every refusal so the person knows whom to ask. */
export const RUN_AS_LIST_PLACE = "Hosts page → Run-as users";

/**
 * Control-plane side: may an actor make something run as `user`? The owner may choose anyone (or
 * the system itself, e.g. the installer's own demo app). Everyone else: when the host has an
 * owner's list of allowed users, only a user on it (root too, if the owner listed it: then the
 * list is the owner's approval); with no list, anyone but root. Returns whether the result
 * carries the owner's approval for uid 0.
 */
export function decideRunAs(input: {
  purpose: RunPurpose;
  user: string | undefined;
  /** The spec's `group`: root's group (gid 0) is the owner's decision too. */
  group?: string;
  actorIsOwner: boolean;
  allowedUsers?: readonly string[] | null;
}): Result<{ rootApproved: boolean }> {
  if (input.actorIsOwner) return ok({ rootApproved: namesRoot(input.user) || namesRoot(input.group) });
  const list = input.allowedUsers ?? null;
  if (namesRoot(input.group) && !list?.includes("root")) {
    return err("FORBIDDEN", `${WHAT[input.purpose]} with group root (gid 0) needs the owner role (or root on this host's allowed users, which only an owner edits). Leave "group" out or choose an unprivileged group.`, {
      fields: [{ path: "group", message: "Group root needs the owner role." }],
    });
  }
  if (list !== null) {
    const shown = list.length ? list.map((u) => `"${u}"`).join(", ") : "(none)";
    const fix = `Only an owner can change this host's list (${RUN_AS_LIST_PLACE}).`;
    if (input.user === undefined) {
      return err("FORBIDDEN", `${WHAT[input.purpose]} on this host needs a user from its allowed list: ${shown}. Say which one ("user"). ${fix}`, {
        fields: [{ path: "user", message: `Required: one of ${shown}.` }],
      });
    }
    if (!list.includes(input.user)) {
      return err("FORBIDDEN", `${WHAT[input.purpose]} as "${input.user}" is not allowed on this host: its allowed users are ${shown}. ${fix}`, {
        fields: [{ path: "user", message: `Not on this host's allowed list (${shown}).` }],
      });
    }
    // On the owner's list: whatever uid it resolves to on the host, the owner chose it.
    return ok({ rootApproved: true });
  }
  if (!namesRoot(input.user)) return ok({ rootApproved: false });
  return err("FORBIDDEN", `${WHAT[input.purpose]} as root needs the owner role (or root on this host's allowed users, which only an owner edits). Choose an unprivileged user (e.g. "www-data"), or ask an owner.`, {
    fields: [{ path: "user", message: "Running as root needs the owner role." }],
  });
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
