// What alerts sent, failed to send, or recorded without sending (silenced), newest first; and the
// alerts now firing.
import "server-only";
import { db } from "../db";
import type { AlertView, DeliveryView, HistoryQuery } from "../protocol";

export async function listDeliveries(q: HistoryQuery): Promise<{ deliveries: DeliveryView[]; nextBefore: number | null }> {
  const rows = await db.alertDelivery.findMany({
    where: { ...(q.status ? { status: q.status } : {}), ...(q.before ? { id: { lt: q.before } } : {}) },
    orderBy: { id: "desc" },
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return {
    deliveries: page.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      ruleId: r.ruleId,
      ruleName: r.ruleName,
      channelId: r.channelId,
      channelName: r.channelName,
      kind: r.kind as DeliveryView["kind"],
      status: r.status as DeliveryView["status"],
      reason: r.reason,
      subject: r.subject,
      attempts: r.attempts,
    })),
    nextBefore: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

export async function listAlerts(): Promise<AlertView[]> {
  const rows = await db.alert.findMany({ orderBy: { lastAt: "desc" }, take: 500 });
  const rules = new Map((await db.alertRule.findMany({ select: { id: true, name: true, event: true } })).map((r) => [r.id, r]));
  return rows.map((a) => ({
    id: a.id,
    ruleId: a.ruleId,
    ruleName: rules.get(a.ruleId)?.name ?? "(deleted)",
    event: rules.get(a.ruleId)?.event ?? "",
    subject: a.subject,
    state: a.state === "firing" && a.clearedAt ? "clearing" : a.state,
    summary: a.summary,
    count: a.count,
    firstAt: a.firstAt.toISOString(),
    lastAt: a.lastAt.toISOString(),
    notifiedAt: a.notifiedAt?.toISOString() ?? null,
  }));
}
