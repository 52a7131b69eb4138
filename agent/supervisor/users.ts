// Looks up users and groups through the system's NSS with `getent` (argv array, no shell), so LDAP,
// SSSD and systemd-homed users are found as `id` would find them. Answers are cached briefly: status
// reports ask for the same owners every few seconds. Without getent (minimal images) the files are read.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

export type UserInfo = { name: string; uid: number; gid: number; home: string; shell: string };

const CACHE_MS = 30_000;
const cache = new Map<string, { row: string[] | null; at: number }>();

function fromFile(file: string, key: string): string[] | null {
  try {
    const rows = readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => l.split(":"));
    return rows.find((r) => r[0] === key) ?? rows.find((r) => r[2] === key) ?? null;
  } catch {
    return null;
  }
}

/** One NSS entry (name or numeric id) as its colon-separated fields, or null when there is none. */
export function getent(database: "passwd" | "group", key: string): string[] | null {
  const cacheKey = `${database}\n${key}`;
  const hit = cache.get(cacheKey);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.row;
  // `--`: a key that starts with "-" is a key, not an option.
  const r = spawnSync("getent", [database, "--", key], { encoding: "utf8", timeout: 10_000 });
  let row: string[] | null;
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") row = fromFile(`/etc/${database}`, key);
  else if (r.status === 0) row = r.stdout.split("\n")[0].split(":");
  else if (r.status === 2) row = null; // not found
  else return fromFile(`/etc/${database}`, key); // NSS failed (timeout, broken module): not cached
  if (cache.size > 10_000) cache.clear();
  cache.set(cacheKey, { row, at: Date.now() });
  return row;
}

export function lookupUser(nameOrUid: string | number): UserInfo | null {
  const row = getent("passwd", String(nameOrUid));
  return row && row.length >= 7 ? { name: row[0], uid: Number(row[2]), gid: Number(row[3]), home: row[5], shell: row[6] } : null;
}

export function lookupGroup(nameOrGid: string | number): { name: string; gid: number } | null {
  const row = getent("group", String(nameOrGid));
  return row && row.length >= 3 ? { name: row[0], gid: Number(row[2]) } : null;
}

export function currentUser(): UserInfo {
  const uid = process.getuid?.() ?? 0;
  return lookupUser(uid) ?? { name: String(uid), uid, gid: process.getgid?.() ?? 0, home: "/", shell: "/bin/sh" };
}
