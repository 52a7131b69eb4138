// Unix permission arithmetic for another user: can uid U (with its groups) traverse, read, write or
// execute a path? Computed from stat and /etc/group, so the answer holds even when the agent is root.
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { lookupUser } from "../supervisor/users";

export type Credentials = { name: string; uid: number; gids: number[] };
export type AccessBit = "r" | "w" | "x";

const BIT: Record<AccessBit, number> = { r: 4, w: 2, x: 1 };

/** The uid, primary gid and supplementary gids (as initgroups would give them) of a user. */
export function credentialsOf(name: string): Credentials | null {
  const user = lookupUser(name);
  if (!user) return null;
  const gids = new Set<number>([user.gid]);
  try {
    for (const line of readFileSync("/etc/group", "utf8").split("\n")) {
      const [, , gid, members] = line.split(":");
      if (members?.split(",").includes(user.name)) gids.add(Number(gid));
    }
  } catch {
    // no /etc/group: the primary group is all we know
  }
  return { name: user.name, uid: user.uid, gids: [...gids] };
}

export function modeAllows(st: { uid: number; gid: number; mode: number }, cred: Credentials, bit: AccessBit): boolean {
  if (cred.uid === 0) return bit !== "x" || (st.mode & 0o111) !== 0 || (st.mode & 0o170000) === 0o040000;
  const b = BIT[bit];
  // The kernel picks exactly one class: owner, else group, else other (no fall-through).
  if (st.uid === cred.uid) return (st.mode & (b << 6)) !== 0;
  if (cred.gids.includes(st.gid)) return (st.mode & (b << 3)) !== 0;
  return (st.mode & b) !== 0;
}

export function describeMode(st: { uid: number; gid: number; mode: number }): string {
  const owner = lookupUser(st.uid)?.name ?? String(st.uid);
  let group = String(st.gid);
  try {
    const row = readFileSync("/etc/group", "utf8")
      .split("\n")
      .find((l) => l.split(":")[2] === String(st.gid));
    if (row) group = row.split(":")[0];
  } catch {
    // keep the number
  }
  return `${owner}:${group} 0${(st.mode & 0o7777).toString(8)}`;
}

export type TraverseBlock = { dir: string; owner: string };

/** The first ancestor directory of `file` that `cred` cannot search (x), or null if all can be. */
export function firstBlockedDir(file: string, cred: Credentials): TraverseBlock | null {
  const dirs: string[] = [];
  for (let d = path.dirname(path.resolve(file)); ; d = path.dirname(d)) {
    dirs.unshift(d);
    if (d === "/") break;
  }
  for (const dir of dirs) {
    try {
      const st = statSync(dir);
      if (!modeAllows(st, cred, "x")) return { dir, owner: describeMode(st) };
    } catch {
      return { dir, owner: "missing" };
    }
  }
  return null;
}
