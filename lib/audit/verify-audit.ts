// Walks the audit chain and reports the first event whose HMAC or link does not match: an edit, a
// deletion, or a whole consistent rewrite made without the key (lib/keys/server-keys.ts).
import "server-only";
import { db } from "../db";
import { flushAll } from "../write-behind";
import { GENESIS, hashAudit } from "./append-audit";
import { ensureKeyedChain } from "./keyed-chain";

export type AuditVerification = { ok: boolean; checked: number; firstBrokenId: number | null };

export async function verifyAudit(): Promise<AuditVerification> {
  await flushAll(); // audit rows agents reported a moment ago (a FATAL) are written behind
  await db.$transaction((tx) => ensureKeyedChain(tx)); // a chain from before the key is moved onto it first, once
  const rows = await db.auditEvent.findMany({ orderBy: { id: "asc" } });
  let prev = GENESIS;
  let expectedId = 1;
  for (const row of rows) {
    // A gap in ids means a deleted row; a hash mismatch means an edited one.
    if (row.id !== expectedId || row.prevHash !== prev || hashAudit(row.id, row) !== row.hash) {
      return { ok: false, checked: expectedId - 1, firstBrokenId: row.id };
    }
    prev = row.hash;
    expectedId++;
  }
  const head = await db.setting.findUnique({ where: { key: "audit.head" } });
  if ((head?.value ?? GENESIS) !== prev) return { ok: false, checked: rows.length, firstBrokenId: expectedId };
  return { ok: true, checked: rows.length, firstBrokenId: null };
}
