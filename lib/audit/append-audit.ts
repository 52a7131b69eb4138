// Appends one hash-chained audit event inside the caller's transaction.
// Each event stores the previous event's hash; the chain head is kept in Setting("audit.head")
// so deleting the newest rows is detectable too.
import "server-only";
import { createHash } from "node:crypto";
import type { Tx } from "../db";
import { type AuditContext, actorId, actorLabel } from "./audit-context";
import { redactSecrets } from "./redact";

export type AuditInput = {
  action: string;
  target?: string;
  before?: unknown;
  after?: unknown;
  result?: "success" | "failure";
};

export type AuditFields = {
  ts: Date;
  actorType: string;
  actorId: string;
  actorLabel: string;
  action: string;
  target: string;
  before: string;
  after: string;
  ip: string;
  result: string;
  prevHash: string;
};

export const GENESIS = "0".repeat(64);

export function hashAudit(id: number, f: AuditFields): string {
  const canonical = JSON.stringify([id, f.ts.toISOString(), f.actorType, f.actorId, f.actorLabel, f.action, f.target, f.before, f.after, f.ip, f.result, f.prevHash]);
  return createHash("sha256").update(canonical).digest("hex");
}

const json = (v: unknown) => (v === undefined ? "" : JSON.stringify(redactSecrets(v)));

export async function appendAudit(tx: Tx, ctx: AuditContext, input: AuditInput): Promise<number> {
  const head = await tx.setting.findUnique({ where: { key: "audit.head" } });
  const last = await tx.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } });
  const id = (last?.id ?? 0) + 1;
  const fields: AuditFields = {
    ts: new Date(),
    actorType: ctx.actor.type,
    actorId: actorId(ctx.actor),
    actorLabel: actorLabel(ctx.actor),
    action: input.action,
    target: input.target ?? "",
    before: json(input.before),
    after: json(input.after),
    ip: ctx.ip,
    result: input.result ?? "success",
    prevHash: head?.value ?? GENESIS,
  };
  const hash = hashAudit(id, fields);
  await tx.auditEvent.create({ data: { id, ...fields, hash } });
  await tx.setting.upsert({ where: { key: "audit.head" }, create: { key: "audit.head", value: hash }, update: { value: hash } });
  return id;
}
