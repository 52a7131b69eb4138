// A host's allowed run-as users: the unix users an owner lets admins and operators choose for apps,
// build steps, run-by-hand, the doctor and terminals on that host (root only if listed). Stored on
// the host row; only an owner edits it, audited in the same transaction. The rule that reads it is
// lib/auth/run-as.ts (via lib/protocol/run-as.ts); this module only keeps the list.
import "server-only";
import * as z from "zod";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import { UNIX_USER_RE } from "../protocol";
import { err, ok, type Result } from "../result";

/** `users: null` removes the list (then anyone but root, as before); `[]` allows no one but the owner. */
export const RunAsUsersSchema = z.strictObject({
  users: z
    .array(z.string().regex(UNIX_USER_RE, "Use a valid unix user name (lowercase letters, digits, _ and -)."))
    .max(64, "At most 64 users.")
    .refine((u) => new Set(u).size === u.length, "A user is listed twice.")
    .nullable(),
});
export type RunAsUsers = z.infer<typeof RunAsUsersSchema>;

export type HostRunAsUsers = { hostId: string; users: string[] | null };

function parseList(text: string | null): string[] | null {
  if (text === null) return null;
  try {
    const parsed = RunAsUsersSchema.shape.users.safeParse(JSON.parse(text));
    // A stored list that no longer parses must not widen access: it allows no one.
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** The host's list, or null when it has none. An unknown host has none either (callers 404 it). */
export async function hostRunAsUsers(hostId: string): Promise<string[] | null> {
  const host = await db.host.findUnique({ where: { id: hostId }, select: { runAsUsers: true } });
  return host ? parseList(host.runAsUsers) : null;
}

export async function getHostRunAsUsers(hostId: string): Promise<Result<HostRunAsUsers>> {
  const host = await db.host.findUnique({ where: { id: hostId }, select: { runAsUsers: true } });
  if (!host) return err("NOT_FOUND", "That host does not exist.");
  return ok({ hostId, users: parseList(host.runAsUsers) });
}

/** Replaces the list (the route lets only an owner call this); the audit row names before and after. */
export async function setHostRunAsUsers(hostId: string, input: RunAsUsers, audit: AuditContext): Promise<Result<HostRunAsUsers>> {
  const host = await db.host.findUnique({ where: { id: hostId } });
  if (!host) return err("NOT_FOUND", "That host does not exist.");
  await db.$transaction(async (tx) => {
    await tx.host.update({ where: { id: hostId }, data: { runAsUsers: input.users === null ? null : JSON.stringify(input.users) } });
    // Same tx: a failed audit insert must undo the change.
    await appendAudit(tx, audit, { action: "host.run-as-users.updated", target: `host:${host.name}`, before: { users: parseList(host.runAsUsers) }, after: { users: input.users } });
  });
  return ok({ hostId, users: input.users });
}
