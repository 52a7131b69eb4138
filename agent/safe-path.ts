// The one check for paths the agent (often root) creates, chowns, unlinks or `mkdir -p`s under a
// directory it was allowed: the target must lie inside one of the allowed roots once the roots are
// resolved to their real paths, and no existing component below the root may be a symbolic link
// (or anything but a directory on the way), so nothing can lead the agent outside. Used for app
// sockets, deploy roots' release trees and the web-config files the agent writes.
import { lstatSync, realpathSync } from "node:fs";
import path from "node:path";
import { err, ok, type Result } from "../lib/protocol";

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p); // not there yet: nothing to follow
  }
}

/**
 * Walks `target` from `root` down: every existing component must be a real directory (the last one
 * may be a non-directory, e.g. an old socket file, but never a symlink). Missing components are fine:
 * they will be created as directories, and a directory created by the agent is not a link.
 */
export function refuseSymlinksBelow(root: string, target: string): Result<string> {
  const rel = path.relative(root, target);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return err("BAD_REQUEST", `${target} is not inside ${root}.`);
  const parts = rel ? rel.split(path.sep) : [];
  let at = root;
  for (let i = 0; i < parts.length; i++) {
    at = path.join(at, parts[i]);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(at);
    } catch {
      return ok(target); // the rest does not exist yet
    }
    if (st.isSymbolicLink()) return err("BAD_REQUEST", `${at} is a symbolic link; paths the agent manages may not pass through links.`);
    if (i < parts.length - 1 && !st.isDirectory()) return err("BAD_REQUEST", `${at} is not a directory.`);
  }
  return ok(target);
}

/**
 * Checks that `target` (absolute, no `..`) lies under one of `roots`, through no symbolic link below
 * the root. Returns the path with its root resolved to the root's real path.
 */
export function resolveInside(target: string, roots: string[]): Result<string> {
  if (!path.isAbsolute(target) || path.normalize(target) !== target.replace(/\/+$/, "") || target.split("/").includes("..")) {
    return err("BAD_REQUEST", `${target} must be an absolute path without "..".`);
  }
  for (const configured of roots) {
    const root = path.resolve(configured);
    const real = realOrSelf(root);
    for (const base of new Set([root, real])) {
      const rel = path.relative(base, target);
      if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) continue;
      const checked = refuseSymlinksBelow(real, path.join(real, rel));
      if (!checked.ok) return checked;
      return ok(checked.value);
    }
  }
  return err("BAD_REQUEST", `${target} is not under any of: ${roots.join(", ")}.`);
}
