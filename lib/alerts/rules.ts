// Alert rules: which event, for which app (or all), to which channels, with what thresholds and
// timing. Create, list, change, delete, each audited in the same transaction.
import "server-only";
import { appendAudit } from "../audit/append-audit";
import type { AuditContext } from "../audit/audit-context";
import { db, type Tx } from "../db";
import { HOST_EVENTS, type RuleInput, type RuleParams, RuleParamsSchema, type RulePatch, type RuleView } from "../protocol";
import { err, ok, type Result } from "../result";

type Row = { id: string; name: string; event: string; appId: string | null; channelIds: string; params: string; enabled: boolean; createdAt: Date };

export function parseParams(text: string): RuleParams {
  const p = RuleParamsSchema.safeParse(JSON.parse(text || "{}"));
  return p.success ? p.data : {};
}

export function ruleView(r: Row): RuleView {
  return {
    id: r.id,
    name: r.name,
    event: r.event as RuleView["event"],
    appId: r.appId,
    channelIds: JSON.parse(r.channelIds) as string[],
    params: parseParams(r.params),
    enabled: r.enabled,
    createdAt: r.createdAt.toISOString(),
  };
}

async function check(tx: Tx, input: { event?: RuleInput["event"]; appId?: string | null; channelIds?: string[] }): Promise<Result<null>> {
  if (input.appId && input.event && HOST_EVENTS.includes(input.event)) return err("BAD_REQUEST", "A host event applies to hosts, not to one app; silence a host to spare it.", { fields: [{ path: "appId", message: "Not for a host event." }] });
  if (input.appId && !(await tx.app.findUnique({ where: { id: input.appId }, select: { id: true } }))) return err("BAD_REQUEST", "That app does not exist.", { fields: [{ path: "appId", message: "No such app." }] });
  if (input.channelIds) {
    const found = await tx.notificationChannel.count({ where: { id: { in: input.channelIds } } });
    if (found !== new Set(input.channelIds).size) return err("BAD_REQUEST", "A channel in channelIds does not exist.", { fields: [{ path: "channelIds", message: "Unknown channel." }] });
  }
  return ok(null);
}

export async function listRules(): Promise<RuleView[]> {
  return (await db.alertRule.findMany({ orderBy: { createdAt: "asc" } })).map(ruleView);
}

export async function getRule(id: string): Promise<Result<RuleView>> {
  const r = await db.alertRule.findUnique({ where: { id } });
  return r ? ok(ruleView(r)) : err("NOT_FOUND", "That rule does not exist.");
}

export async function createRule(input: RuleInput, audit: AuditContext): Promise<Result<RuleView>> {
  return db.$transaction(async (tx) => {
    const bad = await check(tx, input);
    if (!bad.ok) return bad;
    const r = await tx.alertRule.create({
      data: { name: input.name, event: input.event, appId: input.appId ?? null, channelIds: JSON.stringify([...new Set(input.channelIds)]), params: JSON.stringify(input.params ?? {}), enabled: input.enabled ?? true },
    });
    await appendAudit(tx, audit, { action: "alerts.rule.created", target: `rule:${r.id}`, after: ruleView(r) });
    return ok(ruleView(r));
  });
}

export async function updateRule(id: string, patch: RulePatch, audit: AuditContext): Promise<Result<RuleView>> {
  return db.$transaction(async (tx) => {
    const before = await tx.alertRule.findUnique({ where: { id } });
    if (!before) return err("NOT_FOUND", "That rule does not exist.");
    const bad = await check(tx, { event: patch.event ?? (before.event as RuleInput["event"]), appId: patch.appId ?? before.appId, channelIds: patch.channelIds });
    if (!bad.ok) return bad;
    const r = await tx.alertRule.update({
      where: { id },
      data: {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.event !== undefined ? { event: patch.event } : {}),
        ...(patch.appId !== undefined ? { appId: patch.appId } : {}),
        ...(patch.channelIds !== undefined ? { channelIds: JSON.stringify([...new Set(patch.channelIds)]) } : {}),
        ...(patch.params !== undefined ? { params: JSON.stringify(patch.params) } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      },
    });
    // A rule that now means something else starts its alerts afresh.
    if (patch.event !== undefined && patch.event !== before.event) await tx.alert.deleteMany({ where: { ruleId: id } });
    await appendAudit(tx, audit, { action: "alerts.rule.updated", target: `rule:${id}`, before: ruleView(before), after: ruleView(r) });
    return ok(ruleView(r));
  });
}

export async function deleteRule(id: string, audit: AuditContext): Promise<Result<{ deleted: true }>> {
  return db.$transaction(async (tx) => {
    const before = await tx.alertRule.findUnique({ where: { id } });
    if (!before) return err("NOT_FOUND", "That rule does not exist.");
    await tx.alert.deleteMany({ where: { ruleId: id } });
    await tx.alertRule.delete({ where: { id } });
    await appendAudit(tx, audit, { action: "alerts.rule.deleted", target: `rule:${id}`, before: ruleView(before) });
    return ok({ deleted: true as const });
  });
}
