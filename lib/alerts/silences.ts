// Silences and maintenance windows: an app, a host or a rule, for a period, a recurring daily range,
// or until removed (muting an app). Audited; which silences hold for an alert is asked here only.
import "server-only";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { actorLabel } from "../audit/audit-context";
import { db } from "../db";
import type { SilenceInput, SilenceView } from "../protocol";
import { err, ok, type Result } from "../result";
import { silenceActive } from "./silence-window";

type Row = { id: string; name: string; scope: string; targetId: string; startsAt: Date | null; endsAt: Date | null; daily: string; days: string; createdBy: string; createdAt: Date };

const windowOf = (r: Row) => ({ startsAt: r.startsAt, endsAt: r.endsAt, daily: r.daily, days: r.days ? r.days.split(",").map(Number) : [] });

async function targetName(scope: string, id: string): Promise<string | null> {
  if (scope === "app") return (await db.app.findUnique({ where: { id }, select: { name: true } }))?.name ?? null;
  if (scope === "host") return (await db.host.findUnique({ where: { id }, select: { name: true } }))?.name ?? null;
  return (await db.alertRule.findUnique({ where: { id }, select: { name: true } }))?.name ?? null;
}

function view(r: Row, name: string, now = new Date()): SilenceView {
  const w = windowOf(r);
  return {
    id: r.id,
    name: r.name,
    scope: r.scope as SilenceView["scope"],
    targetId: r.targetId,
    targetName: name,
    startsAt: r.startsAt?.toISOString() ?? null,
    endsAt: r.endsAt?.toISOString() ?? null,
    daily: r.daily,
    days: w.days,
    active: silenceActive(w, now),
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
  };
}

export async function listSilences(): Promise<SilenceView[]> {
  const rows = await db.silence.findMany({ orderBy: { createdAt: "desc" } });
  return Promise.all(rows.map(async (r) => view(r, (await targetName(r.scope, r.targetId)) ?? "(deleted)")));
}

export async function createSilence(input: SilenceInput, audit: AuditContext): Promise<Result<SilenceView>> {
  const name = await targetName(input.scope, input.targetId);
  if (name === null) return err("BAD_REQUEST", `That ${input.scope} does not exist.`, { fields: [{ path: "targetId", message: `No such ${input.scope}.` }] });
  const row = await db.$transaction(async (tx) => {
    const r = await tx.silence.create({
      data: {
        name: input.name,
        scope: input.scope,
        targetId: input.targetId,
        startsAt: input.startsAt ? new Date(input.startsAt) : null,
        endsAt: input.endsAt ? new Date(input.endsAt) : null,
        daily: input.daily ?? "",
        days: (input.days ?? []).join(","),
        createdBy: actorLabel(audit.actor),
      },
    });
    await appendAudit(tx, audit, { action: "alerts.silence.created", target: `${input.scope}:${input.targetId}`, after: { ...input, id: r.id } });
    return r;
  });
  return ok(view(row, name));
}

export async function deleteSilence(id: string, audit: AuditContext): Promise<Result<{ deleted: true }>> {
  return db.$transaction(async (tx) => {
    const before = await tx.silence.findUnique({ where: { id } });
    if (!before) return err("NOT_FOUND", "That silence does not exist.");
    await tx.silence.delete({ where: { id } });
    await appendAudit(tx, audit, { action: "alerts.silence.deleted", target: `${before.scope}:${before.targetId}`, before: { id, name: before.name, startsAt: before.startsAt, endsAt: before.endsAt, daily: before.daily } });
    return ok({ deleted: true as const });
  });
}

/** The silences in force now, by scope, to check many alerts against one read. */
export async function activeSilences(now: Date): Promise<{ names: Map<string, string> }> {
  const names = new Map<string, string>();
  for (const r of await db.silence.findMany()) {
    if (silenceActive(windowOf(r), now)) names.set(`${r.scope}:${r.targetId}`, r.name);
  }
  return { names };
}

/** The name of the silence that holds for this alert, if any. */
export function silencedBy(active: { names: Map<string, string> }, a: { ruleId: string; appId: string | null; hostId: string | null }): string | null {
  return (a.appId && active.names.get(`app:${a.appId}`)) || (a.hostId && active.names.get(`host:${a.hostId}`)) || active.names.get(`rule:${a.ruleId}`) || null;
}
