// Appends one hash-chained audit event inside the caller's transaction.
// Each event stores the previous event's hash; the chain head is kept in Setting("audit.head")
// so deleting the newest rows is detectable too. The hash is an HMAC with a key kept outside the
// database (lib/keys/server-keys.ts): whoever can write the database cannot forge a consistent chain.
import "server-only";
import { createHash, createHmac } from "node:crypto";
import type { Tx } from "../db";
import { lockAuditChain } from "../db-locks";
import { serverKey } from "../keys/server-keys";
import { ensureKeyedChain } from "./keyed-chain";
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

const canonical = (id: number, f: AuditFields) =>
  JSON.stringify([id, f.ts.toISOString(), f.actorType, f.actorId, f.actorLabel, f.action, f.target, f.before, f.after, f.ip, f.result, f.prevHash]);

/** HMAC-SHA256 of the event under the audit key. */
export function hashAudit(id: number, f: AuditFields): string {
  return createHmac("sha256", serverKey("audit")).update(canonical(id, f)).digest("hex");
}

/** The unkeyed SHA-256 of chains written before the key: only read, to re-sign them once (keyed-chain.ts). */
export function legacyHashAudit(id: number, f: AuditFields): string {
  return createHash("sha256").update(canonical(id, f)).digest("hex");
}

const json = (v: unknown) => (v === undefined ? "" : JSON.stringify(redactSecrets(v)));

export async function appendAudit(tx: Tx, ctx: AuditContext, input: AuditInput): Promise<number> {
  // One head: another replica's append waits here until this transaction ends (lib/db-locks.ts).
  await lockAuditChain(tx);
  await ensureKeyedChain(tx);
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
