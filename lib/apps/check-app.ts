// "Check" in the New-app and edit forms: everything creating the app would check (schema, who may run it as
// whom, the agent's look at its host: program, users, socket dir, web files, the name being free),
// without saving or starting anything.
import "server-only";
import type { AuditContext } from "../audit/audit-context";
import { db } from "../db";
import type { AppSpec } from "../protocol";
import { err, ok, type Result } from "../result";
import { sealEnv } from "./app-secrets";
import { approval, checkUpdate, specForAgent, validateOnHost } from "./save-app";

export async function checkApp(spec: AppSpec, audit: AuditContext): Promise<Result<{ valid: true }>> {
  const approved = await approval(spec, audit);
  if (!approved.ok) return approved;
  const sealed = sealEnv(spec.env, null, spec);
  if (!sealed.ok) return sealed;
  const valid = await validateOnHost(specForAgent(spec, sealed.value.stored), approved.value !== null);
  if (!valid.ok) return valid;
  const exists = await db.app.findUnique({ where: { hostId_name: { hostId: spec.hostId, name: spec.name } } });
  if (exists) return err("CONFLICT", `An app named "${spec.name}" already exists on this host.`, { fields: [{ path: "name", message: "Already taken on this host." }] });
  return ok({ valid: true });
}

/**
 * "Check" in the edit form: what saving this spec for the app would check, without saving it. Also
 * names the env variables whose values would change: `stoker plan` learns from it whether a secret
 * written as a value in a file is the stored one (never the value itself).
 */
export async function checkAppEdit(appId: string, spec: AppSpec, audit: AuditContext): Promise<Result<{ valid: true; envChanged: string[] }>> {
  const checked = await checkUpdate(appId, spec, audit);
  return checked.ok ? ok({ valid: true, envChanged: checked.value.changed }) : checked;
}
