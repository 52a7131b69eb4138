// Creates, changes and deletes apps. The agent validates the spec against its host first
// (PATH, users, socket dirs); the row and its audit event commit together; then the agent applies it.
import "server-only";
import { agentHub } from "../agents/agent-hub";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { actorLabel } from "../audit/audit-context";
import { actorIsOwner, runAsDecision } from "../auth/run-as";
import type { App } from "@/generated/prisma/client";
import { db } from "../db";
import type { Adopt, AppSpec } from "../protocol";
import { err, ok, type Result } from "../result";
import { desiredOf, maskSpec, specOf, storedEnvOf } from "./app-record";
import { openEnv, sealEnv, type StoredEnv } from "./app-secrets";

export async function validateOnHost(spec: AppSpec, rootApproved: boolean, adopt?: Adopt): Promise<Result<void>> {
  const host = await db.host.findUnique({ where: { id: spec.hostId } });
  if (!host) return err("BAD_REQUEST", "Unknown host.", { fields: [{ path: "hostId", message: "No host with this id is enrolled." }] });
  const checked = await agentHub().call(spec.hostId, { op: "app.validate", spec, rootApproved, ...(adopt ? { adopt } : {}) }, 15_000);
  if (!checked.ok) return checked.code === "FAILED" ? { ...checked, code: "BAD_REQUEST" } : checked;
  return ok(undefined);
}

function specForStorage(spec: AppSpec, env: StoredEnv): string {
  const { hostId: _hostId, ...rest } = spec; // the host is a column, not part of the stored document
  return JSON.stringify({ ...rest, env });
}

/** The spec the agent validates: every secret's value filled in (a kept one from the store). */
export function specForAgent(spec: AppSpec, env: StoredEnv): AppSpec {
  return { ...spec, env: openEnv(env, spec) as AppSpec["env"] };
}

/** The app (and its build steps, which run as the same user) may run as root only if an owner saves it. */
export async function approval(spec: AppSpec, audit: AuditContext): Promise<Result<string | null>> {
  const decided = await runAsDecision(audit.actor, spec.hostId, spec.deploy?.build.length ? "build" : "app", spec.user, spec.group);
  if (!decided.ok) return decided;
  if (!decided.value.rootApproved) return ok(null);
  // A non-owner carries the approval only through the owner's list of this host's users.
  return ok(actorIsOwner(audit.actor) ? actorLabel(audit.actor) : `${actorLabel(audit.actor)} (on the host's run-as list)`);
}

/**
 * `adopt`: discovery's import. The agent takes over these running processes (and their socket)
 * instead of starting new ones; if it cannot, the app is not kept (nothing was taken over).
 */
export async function createApp(spec: AppSpec, audit: AuditContext, adopt?: Adopt): Promise<Result<{ id: string }>> {
  const approved = await approval(spec, audit);
  if (!approved.ok) return approved;
  const sealed = sealEnv(spec.env, null, spec);
  if (!sealed.ok) return sealed;
  const valid = await validateOnHost(specForAgent(spec, sealed.value.stored), approved.value !== null, adopt);
  if (!valid.ok) return valid;
  const exists = await db.app.findUnique({ where: { hostId_name: { hostId: spec.hostId, name: spec.name } } });
  if (exists) return err("CONFLICT", `An app named "${spec.name}" already exists on this host.`, { fields: [{ path: "name", message: "Already taken on this host." }] });
  const app = await db.$transaction(async (tx) => {
    const created = await tx.app.create({ data: { name: spec.name, hostId: spec.hostId, spec: specForStorage(spec, sealed.value.stored), rootApprovedBy: approved.value } });
    // The audit sees env names only (lib/audit/redact), and a secret only as set.
    const after = maskSpec(spec, true);
    await appendAudit(tx, audit, { action: "app.created", target: `app:${spec.name}`, after: adopt ? { ...after, adoptedPids: adopt.pids } : after });
    return created;
  });
  const applied = await agentHub().call(app.hostId, { op: "app.put", app: desiredOf(app), ...(adopt ? { adopt } : {}) });
  if (!applied.ok && adopt) {
    // The processes were not taken over (gone meanwhile, socket changed): no app is left behind.
    await db.$transaction(async (tx) => {
      await tx.app.delete({ where: { id: app.id } });
      await appendAudit(tx, audit, { action: "app.deleted", target: `app:${spec.name}`, after: { reason: `import failed: ${applied.message}` }, result: "failure" });
    });
    return applied.code === "BAD_REQUEST" ? applied : err("FAILED", `The processes could not be adopted: ${applied.message}`);
  }
  if (!applied.ok) return err("FAILED", `The app was saved but did not start: ${applied.message}`, { detail: { id: app.id } });
  return ok({ id: app.id });
}

/** Everything saving a changed spec checks first, on the host too (also the edit form's "Check"). */
export async function checkUpdate(appId: string, spec: AppSpec, audit: AuditContext): Promise<Result<{ current: App; approvedBy: string | null; stored: StoredEnv; changed: string[] }>> {
  const current = await db.app.findUnique({ where: { id: appId } });
  if (!current) return err("NOT_FOUND", "That app does not exist.");
  if (spec.hostId !== current.hostId || spec.name !== current.name) {
    return err("BAD_REQUEST", "An app's name and host cannot change; create a new app instead.", {
      fields: [{ path: spec.name !== current.name ? "name" : "hostId", message: "Cannot change." }],
    });
  }
  const approved = await approval(spec, audit);
  if (!approved.ok) return approved;
  // A secret sent as {"set": true} keeps its stored value; a new string replaces it; left out, it is gone.
  const sealed = sealEnv(spec.env, storedEnvOf(current), spec);
  if (!sealed.ok) return sealed;
  const valid = await validateOnHost(specForAgent(spec, sealed.value.stored), approved.value !== null);
  if (!valid.ok) return valid;
  return ok({ current, approvedBy: approved.value, ...sealed.value });
}

export async function updateApp(appId: string, spec: AppSpec, audit: AuditContext): Promise<Result<{ revision: number }>> {
  const checked = await checkUpdate(appId, spec, audit);
  if (!checked.ok) return checked;
  const { current, approvedBy, stored, changed } = checked.value;
  const before = specOf(current);
  const updated = await db.$transaction(async (tx) => {
    const row = await tx.app.update({ where: { id: appId }, data: { spec: specForStorage(spec, stored), revision: current.revision + 1, rootApprovedBy: approvedBy } });
    // "DB_PASSWORD changed", never the value (envChanged names the variables; redact masks values).
    await appendAudit(tx, audit, { action: "app.updated", target: `app:${spec.name}`, before, after: { ...maskSpec(spec, true), envChanged: changed } });
    return row;
  });
  // A changed spec is a rolling replacement: the old processes serve until the new ones answer.
  const applied = await agentHub().call(updated.hostId, { op: "app.put", app: desiredOf(updated) });
  if (!applied.ok) {
    return err("FAILED", `Saved revision ${updated.revision}, but applying it failed: ${applied.message} The running revision keeps serving; retry or revert on the app page.`, { detail: applied.detail });
  }
  return ok({ revision: updated.revision });
}

export async function deleteApp(appId: string, audit: AuditContext): Promise<Result<{ deleted: true }>> {
  const app = await db.app.findUnique({ where: { id: appId } });
  if (!app) return err("NOT_FOUND", "That app does not exist.");
  // Removing the app's web config runs the whole apply pipeline (validate, reload, verify).
  const removed = await agentHub().call(app.hostId, { op: "app.remove", appId });
  if (!removed.ok && removed.code !== "HOST_OFFLINE" && removed.code !== "NOT_FOUND") {
    // The agent refused (e.g. its web config could not be removed cleanly): the app stays, and the
    // attempt is on record as a failure.
    await db.$transaction((tx) => appendAudit(tx, audit, { action: "app.deleted", target: `app:${app.name}`, after: { error: removed.message }, result: "failure" }));
    return removed;
  }
  await db.$transaction(async (tx) => {
    await tx.app.delete({ where: { id: appId } });
    await appendAudit(tx, audit, { action: "app.deleted", target: `app:${app.name}`, before: specOf(app) });
  });
  agentHub().apps.delete(appId);
  return ok({ deleted: true });
}
