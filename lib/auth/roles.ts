// Roles and what each may do. One table: every route names a permission from here.
import * as z from "zod";

export const ROLES = ["viewer", "operator", "admin", "owner"] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

export const PERMISSIONS = {
  "read": "viewer",
  "apps.operate": "operator", // restart/stop/start, test requests, debug as the app's user
  "apps.write": "admin", // create, change, delete apps; apply web-server configs
  "hosts.manage": "admin",
  "hosts.run-as": "owner", // a host's allowed run-as users (who may run what as whom, root included)
  // A host's web-server setting is commands (validate, reload, start) the agent runs as its own
  // user, root on most hosts, and paths it writes and signals as root: root's decision, the owner's.
  "hosts.web-servers": "owner",
  "users.manage": "admin",
  "tokens.own": "viewer",
  "audit.read": "viewer",
  "audit.checkpoint": "admin", // signed checkpoints of the audit chain (export and check)
  "alerts.write": "admin", // notification channels, rules, silences, uptime checks, mutes
  "settings.manage": "admin", // control-plane settings with secrets in them (SMTP)
  "security.policy": "owner", // require a second factor for every account above viewer
} as const satisfies Record<string, Role>;
export type Permission = keyof typeof PERMISSIONS;

export function roleAtLeast(role: Role, min: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(min);
}

export function can(role: Role, permission: Permission): boolean {
  return roleAtLeast(role, PERMISSIONS[permission]);
}
