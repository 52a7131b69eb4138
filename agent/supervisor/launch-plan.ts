// Resolves an app spec into exactly what to exec: file, argv, cwd, env, uid/gid.
// Also the agent-side checks that need the host: PATH lookup, users, allowed socket dirs.
import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import { type AppSpec, err, type FieldError, ok, type Result, type RunPurpose, resolveRunAs } from "../../lib/protocol";
import { resolveInside } from "../safe-path";
import { appEnv, SYSTEM_PATH } from "./app-env";
import { currentUser, lookupGroup, lookupUser } from "./users";

export type LaunchPlan = {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
  userName: string;
  /** The fd the listening socket is given at (default 0, FCGI_LISTENSOCK_FILENO; php-fpm: fpm-launch.ts). */
  listenFd?: number;
  /** Files opened read-only by the agent and given to the process at the fds after the socket's. */
  openFiles?: string[];
};

/** Looks a program name up the way the app's exec would: on the app's PATH, not the agent's. */
export function findOnPath(name: string, searchPath = SYSTEM_PATH): string | null {
  for (const dir of searchPath.split(":").filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

/** The owner's approval for uid 0 that came with the request (DesiredApp.rootApproved, op.allowRoot). */
export type RunGrant = { purpose: RunPurpose; rootApproved: boolean };

export function planLaunch(spec: AppSpec, socketDirs: string[], grant: RunGrant = { purpose: "app", rootApproved: false }): Result<LaunchPlan> {
  const fields: FieldError[] = [];
  const [program, ...args] = spec.command;
  let file = program;
  if (program.startsWith("{release}/")) {
    // A deployment fills it in; nothing to check on disk before the first release exists.
    if (!spec.deploy) fields.push({ path: "command.0", message: "{release} needs a deploy section (deploy.root) to say where releases live." });
  } else if (!program.includes("/")) {
    const appPath = appEnv({ name: "", home: "" }, spec.env).PATH;
    const shown = spec.env.PATH !== undefined && typeof spec.env.PATH !== "string" ? "a secret value" : appPath; // never echo a secret
    const found = findOnPath(program, appPath);
    if (!found) fields.push({ path: "command.0", message: `"${program}" was not found on the app's PATH (${shown}); give an absolute path.` });
    else file = found;
  } else if (!path.isAbsolute(program)) {
    fields.push({ path: "command.0", message: "Give an absolute path or a program name found on PATH." });
  }

  if (spec.socket.path) {
    // Real paths, no symlink on the way (agent/safe-path): the agent creates, chowns and unlinks here.
    const inside = resolveInside(spec.socket.path, socketDirs);
    if (!inside.ok) {
      const why = inside.message.includes("symbolic link") ? inside.message : `Sockets must live under one of: ${socketDirs.join(", ")}.`;
      fields.push({ path: "socket.path", message: why });
    }
  }

  const me = currentUser();
  const runAs = resolveRunAs({ ...grant, user: spec.user, agent: me, lookupUid: (n) => lookupUser(n)?.uid ?? null });
  const wanted = runAs.ok ? runAs.user : (spec.user ?? me.name);
  const user = runAs.ok ? lookupUser(wanted) : null;
  let uid: number | undefined;
  let gid: number | undefined;
  if (!runAs.ok) fields.push({ path: "user", message: runAs.message });
  else if (!user) fields.push({ path: "user", message: `No user named "${wanted}" exists on this host.` });
  else if (me.uid !== 0 && user.uid !== me.uid) {
    fields.push({ path: "user", message: `The agent runs as "${me.name}", not root, so it cannot run processes as "${wanted}". Remove "user" or run the agent as root.` });
  } else if (me.uid === 0) {
    uid = user.uid;
    gid = user.gid;
  }
  if (spec.group) {
    const group = lookupGroup(spec.group);
    if (!group) fields.push({ path: "group", message: `No group named "${spec.group}" exists on this host.` });
    else if (me.uid === 0) gid = group.gid;
  }
  // gid 0 (root's group, by any name) is the owner's decision like uid 0 (lib/protocol/run-as.ts).
  if (gid === 0 && uid !== 0 && !grant.rootApproved) {
    fields.push({ path: spec.group ? "group" : "user", message: `Running with gid 0 (root's group) needs the owner's approval; this request does not carry it.` });
  }
  for (const key of ["owner", "group"] as const) {
    const name = spec.socket[key];
    if (name && !(key === "owner" ? lookupUser(name) : lookupGroup(name))) {
      fields.push({ path: `socket.${key}`, message: `No ${key === "owner" ? "user" : "group"} named "${name}" exists on this host.` });
    }
  }
  if (fields.length) return err("BAD_REQUEST", "The spec does not fit this host.", { fields });

  const home = user?.home ?? "/";
  const env = appEnv({ name: wanted, home }, spec.env);
  // Service users' homes often do not exist (nobody: /nonexistent); without a cwd such an app starts in /.
  const cwd = spec.cwd ?? (isDirectory(home) ? home : "/");
  return ok({ file, args, cwd, env, uid, gid, userName: wanted });
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
