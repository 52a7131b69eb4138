// An app's web-server config: what the agent renders, what Stoker last applied, drift, apply,
// history and rollback. Each apply is stored (text + outcome) and audited in one transaction.
import "server-only";
import { alertSignal } from "../alerts/alert-events";
import { agentHub } from "../agents/agent-hub";
import { appendAudit } from "../audit/append-audit";
import { type AuditContext, actorLabel } from "../audit/audit-context";
import { db } from "../db";
import { lockApp } from "../db-locks";
import { ApplyOutcomeSchema, type ApplyOutcomeView, type WebConfigState, WebConfigStateSchema, type WebServer } from "../protocol";
import { err, ok, type Result } from "../result";

async function appOf(appId: string) {
  const app = await db.app.findUnique({ where: { id: appId } });
  return app ? ok(app) : err("NOT_FOUND", "That app does not exist.");
}

async function lastApplied(appId: string, server: WebServer) {
  return db.webConfigVersion.findFirst({ where: { appId, server, ok: true }, orderBy: { version: "desc" } });
}

/**
 * What Stoker last wrote to a file on a host, through any app: a site's file is shared by its apps
 * (lib/protocol/site.ts), so an apply by one of them is not a hand edit for the others.
 */
async function lastAppliedToFile(hostId: string, file: string) {
  return db.webConfigVersion.findFirst({ where: { path: file, ok: true, app: { hostId } }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
}

export type WebConfigView = { server: WebServer; text: string; path: string; applied: string | null; appliedVersion: number | null; drift: boolean; diskText: string | null };

export async function getWebConfig(appId: string, server?: WebServer): Promise<Result<WebConfigView>> {
  const app = await appOf(appId);
  if (!app.ok) return app;
  const state = await agentHub().call(app.value.hostId, { op: "webconfig.get", appId, server }, 15_000);
  if (!state.ok) return state;
  const parsed = WebConfigStateSchema.safeParse(state.value);
  if (!parsed.success) return err("INTERNAL", "The agent sent a malformed web config.");
  const s: WebConfigState = parsed.data;
  const [own, file] = await Promise.all([lastApplied(appId, s.server), lastAppliedToFile(app.value.hostId, s.path)]);
  return ok({
    server: s.server,
    text: s.text,
    path: s.path,
    applied: file?.text ?? null,
    appliedVersion: own?.version ?? null,
    // Drift: the file on disk is no longer what Stoker last applied to it (someone edited it by hand).
    drift: file !== null && s.diskText !== file.text,
    diskText: s.diskText,
  });
}

export async function applyWebConfig(appId: string, audit: AuditContext, opts: { server?: WebServer; text?: string; action?: string } = {}): Promise<Result<ApplyOutcomeView & { version: number }>> {
  const app = await appOf(appId);
  if (!app.ok) return app;
  const res = await agentHub().call(app.value.hostId, { op: "webconfig.apply", appId, server: opts.server, text: opts.text }, 120_000);
  if (!res.ok) return res;
  const parsed = ApplyOutcomeSchema.safeParse(res.value);
  if (!parsed.success) return err("INTERNAL", "The agent sent a malformed apply result.");
  const outcome = parsed.data;
  const version = await db.$transaction(async (tx) => {
    await lockApp(tx, appId); // versions count up by one across replicas
    const last = await tx.webConfigVersion.findFirst({ where: { appId, server: outcome.server }, orderBy: { version: "desc" } });
    const row = await tx.webConfigVersion.create({
      data: {
        appId,
        server: outcome.server,
        path: outcome.path,
        text: outcome.text,
        version: (last?.version ?? 0) + 1,
        ok: outcome.ok,
        step: outcome.step,
        output: `${outcome.message}\n${outcome.validatorOutput}`.trim(),
        actor: actorLabel(audit.actor),
      },
    });
    await appendAudit(tx, audit, {
      action: opts.action ?? "webconfig.applied",
      target: `app:${app.value.name}`,
      after: { server: outcome.server, version: row.version, step: outcome.step, check: outcome.check, rolledBack: outcome.rolledBack, serverRunning: outcome.serverRunning },
      result: outcome.ok ? "success" : "failure",
    });
    return row.version;
  });
  alertSignal(
    outcome.ok
      ? { op: "clear", event: "webconfig.apply.failed", appId, summary: `${outcome.server} config version ${version} applied` }
      : { op: "fire", event: "webconfig.apply.failed", appId, summary: `${outcome.server} config for ${app.value.name} failed at ${outcome.step}${outcome.rolledBack ? " (rolled back)" : ""}: ${outcome.message}`.slice(0, 500), detail: outcome.validatorOutput },
  );
  return ok({ ...outcome, version });
}

export async function webConfigHistory(appId: string) {
  const rows = await db.webConfigVersion.findMany({ where: { appId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 100 });
  return rows.map((r) => ({ version: r.version, server: r.server, path: r.path, ok: r.ok, step: r.step, output: r.output, actor: r.actor, at: r.createdAt.toISOString(), text: r.text }));
}

export async function rollbackWebConfig(appId: string, server: WebServer, version: number, audit: AuditContext) {
  const row = await db.webConfigVersion.findFirst({ where: { appId, server, version } });
  if (!row) return err("NOT_FOUND", `No ${server} config version ${version} for this app.`);
  if (!row.ok) return err("BAD_REQUEST", `Version ${version} never applied successfully; pick one that did.`);
  return applyWebConfig(appId, audit, { server, text: row.text, action: "webconfig.rolled-back" });
}

/** Accepts a hand edit: the file on disk becomes the applied version (nothing is written). */
export async function adoptWebConfig(appId: string, server: WebServer | undefined, audit: AuditContext) {
  const current = await getWebConfig(appId, server);
  if (!current.ok) return current;
  const { diskText, path: file } = current.value;
  if (diskText === null) return err("BAD_REQUEST", "There is no file on disk to adopt.");
  const app = await db.app.findUniqueOrThrow({ where: { id: appId } });
  const version = await db.$transaction(async (tx) => {
    await lockApp(tx, appId);
    const last = await tx.webConfigVersion.findFirst({ where: { appId, server: current.value.server }, orderBy: { version: "desc" } });
    const row = await tx.webConfigVersion.create({
      data: { appId, server: current.value.server, path: file, text: diskText, version: (last?.version ?? 0) + 1, ok: true, step: "adopted", actor: actorLabel(audit.actor) },
    });
    await appendAudit(tx, audit, { action: "webconfig.adopted", target: `app:${app.name}`, after: { server: current.value.server, version: row.version } });
    return row.version;
  });
  return ok({ version });
}
