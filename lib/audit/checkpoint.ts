// Signed checkpoints of the audit chain: (last id, its hash, when), signed with the audit key. An
// admin keeps them outside Stoker; a later check proves the chain still holds that row with that
// hash, so even a rewrite by someone who also took the key is caught up to the last checkpoint.
import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import * as z from "zod";
import { db } from "../db";
import { serverKey } from "../keys/server-keys";
import { verifyAudit } from "./verify-audit";

export const CheckpointSchema = z.strictObject({
  version: z.literal(1),
  id: z.number().int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.string().max(40),
  signature: z.string().regex(/^[0-9a-f]{64}$/),
});
export type Checkpoint = z.infer<typeof CheckpointSchema>;

const sign = (c: Omit<Checkpoint, "signature">) => createHmac("sha256", serverKey("audit")).update(`stoker-audit-checkpoint/${c.version} ${c.id} ${c.hash} ${c.at}`).digest("hex");

export async function auditCheckpoint(): Promise<Checkpoint> {
  const last = await db.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true, hash: true } });
  const body = { version: 1 as const, id: last?.id ?? 0, hash: last?.hash ?? "0".repeat(64), at: new Date().toISOString() };
  return { ...body, signature: sign(body) };
}

export type CheckpointCheck = { ok: boolean; signed: boolean; present: boolean; chain: boolean; message: string };

export async function checkCheckpoint(c: Checkpoint): Promise<CheckpointCheck> {
  const expected = Buffer.from(sign(c), "hex");
  const signed = timingSafeEqual(expected, Buffer.from(c.signature, "hex"));
  const row = c.id === 0 ? { hash: c.hash } : await db.auditEvent.findUnique({ where: { id: c.id }, select: { hash: true } });
  const present = row?.hash === c.hash;
  const chain = (await verifyAudit()).ok;
  const message = !signed
    ? "This checkpoint was not signed with this control plane's audit key."
    : !present
      ? `Event ${c.id} no longer has the hash of the checkpoint: the history up to it was changed.`
      : !chain
        ? "The checkpoint's event is intact, but the chain after it does not verify."
        : `The history up to event ${c.id} is exactly as it was at ${c.at}.`;
  return { ok: signed && present && chain, signed, present, chain, message };
}
