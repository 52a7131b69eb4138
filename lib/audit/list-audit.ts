// Reads the audit history newest first, with filters and a cursor (the last id seen).
import "server-only";
import * as z from "zod";
import { db } from "../db";
import { containsText } from "../db-text";
import { flushAll } from "../write-behind";

export const AuditQuerySchema = z.object({
  actor: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  target: z.string().max(200).optional(),
  since: z.iso.datetime().optional(),
  until: z.iso.datetime().optional(),
  cursor: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export async function listAudit(q: AuditQuery) {
  await flushAll(); // audit rows agents reported a moment ago (a FATAL) are written behind
  const rows = await db.auditEvent.findMany({
    where: {
      ...(q.actor ? { actorLabel: containsText(q.actor) } : {}),
      ...(q.action ? { action: { startsWith: q.action } } : {}),
      ...(q.target ? { target: containsText(q.target) } : {}),
      ...(q.since || q.until ? { ts: { ...(q.since ? { gte: new Date(q.since) } : {}), ...(q.until ? { lte: new Date(q.until) } : {}) } } : {}),
      ...(q.cursor ? { id: { lt: q.cursor } } : {}),
    },
    orderBy: { id: "desc" },
    take: q.limit,
  });
  const events = rows.map((r) => ({
    id: r.id,
    ts: r.ts.toISOString(),
    actor: { type: r.actorType, id: r.actorId, label: r.actorLabel },
    action: r.action,
    target: r.target,
    before: r.before ? (JSON.parse(r.before) as unknown) : null,
    after: r.after ? (JSON.parse(r.after) as unknown) : null,
    ip: r.ip,
    result: r.result,
  }));
  return { events, nextCursor: rows.length === q.limit ? rows[rows.length - 1].id : null };
}
export type AuditEventView = Awaited<ReturnType<typeof listAudit>>["events"][number];
