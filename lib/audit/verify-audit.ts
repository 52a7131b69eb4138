// Walks the audit chain and reports the first event whose hash or link does not match.
import "server-only";
import { db } from "../db";
import { GENESIS, hashAudit } from "./append-audit";

export type AuditVerification = { ok: boolean; checked: number; firstBrokenId: number | null };

export async function verifyAudit(): Promise<AuditVerification> {
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
