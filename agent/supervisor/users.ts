// Looks up users and groups in /etc/passwd and /etc/group (no shell, no `id`).
import { readFileSync } from "node:fs";

export type UserInfo = { name: string; uid: number; gid: number; home: string; shell: string };

function rows(file: string): string[][] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => l.split(":"));
  } catch {
    return [];
  }
}

export function lookupUser(nameOrUid: string | number): UserInfo | null {
  const row = rows("/etc/passwd").find((r) => r[0] === String(nameOrUid) || r[2] === String(nameOrUid));
  return row ? { name: row[0], uid: Number(row[2]), gid: Number(row[3]), home: row[5], shell: row[6] } : null;
}

export function lookupGroup(nameOrGid: string | number): { name: string; gid: number } | null {
  const row = rows("/etc/group").find((r) => r[0] === String(nameOrGid) || r[2] === String(nameOrGid));
  return row ? { name: row[0], gid: Number(row[2]) } : null;
}

export function currentUser(): UserInfo {
  const uid = process.getuid?.() ?? 0;
  return lookupUser(uid) ?? { name: String(uid), uid, gid: process.getgid?.() ?? 0, home: "/", shell: "/bin/sh" };
}
