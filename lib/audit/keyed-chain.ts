// Moves an audit chain written before the audit key existed onto the key, once: the old unkeyed
// SHA-256 chain is checked, its intact prefix re-signed with the HMAC key, and a marker file beside
// the key records it. The marker lives outside the database, so a database writer cannot make
// Stoker re-sign a chain again (which would launder a rewrite made without the key).
import "server-only";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Tx } from "../db";
import { keysDir, serverKey } from "../keys/server-keys";
import { GENESIS, hashAudit, legacyHashAudit } from "./append-audit";

const DONE = Symbol.for("stoker.audit-keyed");
const marker = () => path.join(keysDir(), "audit-chain.json");

export async function ensureKeyedChain(tx: Tx): Promise<void> {
  const g = globalThis as typeof globalThis & { [DONE]?: string };
  const file = marker();
  if (g[DONE] === file) return;
  serverKey("audit"); // creates keys/ and the key if needed
  if (existsSync(file)) {
    g[DONE] = file;
    return;
  }
  const rows = await tx.auditEvent.findMany({ orderBy: { id: "asc" } });
  let prevOld = GENESIS;
  let prevNew = GENESIS;
  let intact = 0;
  for (const row of rows) {
    // Only the part of the old chain that still verifies is vouched for; a break stays visible.
    if (row.id !== intact + 1 || row.prevHash !== prevOld || legacyHashAudit(row.id, row) !== row.hash) break;
    prevOld = row.hash;
    const hash = hashAudit(row.id, { ...row, prevHash: prevNew });
    await tx.auditEvent.update({ where: { id: row.id }, data: { prevHash: prevNew, hash } });
    prevNew = hash;
    intact++;
  }
  const head = await tx.setting.findUnique({ where: { key: "audit.head" } });
  if (intact === rows.length && (head?.value ?? GENESIS) === prevOld) {
    await tx.setting.upsert({ where: { key: "audit.head" }, create: { key: "audit.head", value: prevNew }, update: { value: prevNew } });
  }
  // With the key from the environment nothing else has made the keys dir.
  mkdirSync(keysDir(), { recursive: true, mode: 0o700 });
  try {
    // wx: a second first-append racing this one (its transaction ran after ours) keeps our record.
    writeFileSync(file, `${JSON.stringify({ keyedAt: new Date().toISOString(), rows: rows.length, resigned: intact })}\n`, { mode: 0o600, flag: "wx" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  g[DONE] = file;
}
