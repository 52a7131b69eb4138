// The SSO role map (`STOKER_OIDC_ROLE_MAP`): IdP group → Stoker role, highest match wins, `*` for
// anyone the IdP authenticated. Pure so it is unit-tested beside this file.
import * as z from "zod";
import { ROLES, type Role, RoleSchema } from "./roles";

export type RoleMap = { group: string; role: Role }[];

const EntrySchema = z.object({ group: z.string().min(1).max(256), role: RoleSchema });

/** Parses `group=role,group=role,*=role`. The last `=` splits, so group names may contain one. */
export function parseRoleMap(text: string): { ok: true; value: RoleMap } | { ok: false; message: string } {
  const entries: RoleMap = [];
  for (const raw of text.split(",")) {
    const item = raw.trim();
    if (!item) continue;
    const at = item.lastIndexOf("=");
    const parsed = EntrySchema.safeParse({ group: item.slice(0, Math.max(at, 0)).trim(), role: item.slice(at + 1).trim() });
    if (at < 0 || !parsed.success) return { ok: false, message: `"${item}" is not group=role with a role of ${ROLES.join(", ")}` };
    // Every IdP account would become owner (a root terminal); that has to be a named group.
    if (parsed.data.group === "*" && parsed.data.role === "owner") return { ok: false, message: "*=owner is refused: map owner to a named group" };
    entries.push(parsed.data);
  }
  if (entries.length === 0) return { ok: false, message: "it has no group=role entries" };
  return { ok: true, value: entries };
}

/** The highest role any of the groups (or `*`) maps to; null when nothing matches. */
export function mapRole(groups: readonly string[], map: RoleMap): Role | null {
  let best: Role | null = null;
  for (const { group, role } of map) {
    if (group !== "*" && !groups.includes(group)) continue;
    if (best === null || ROLES.indexOf(role) > ROLES.indexOf(best)) best = role;
  }
  return best;
}

/** Reads the groups claim: a list, one string, or a dotted path (`realm_access.roles`) into nested claims. */
export function readGroups(claims: Record<string, unknown>, claimName: string): string[] {
  let value: unknown = claims[claimName];
  if (value === undefined && claimName.includes(".")) {
    value = claimName.split(".").reduce<unknown>((node, key) => (node && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined), claims);
  }
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((g): g is string => typeof g === "string") : [];
}
