// Locks that keep the database's invariants when several control-plane replicas write at once
// (DESIGN 6): the audit chain has one head, an app has one running deployment, a web config's
// versions count up without a gap or a twin. On PostgreSQL they are row or advisory locks taken in the
// caller's transaction and released by its commit or rollback, so they hold across processes. On
// SQLite there is one process and its client runs one transaction at a time (the adapter's own
// lock on its single connection), which already serialises them: nothing to take.
import "server-only";
import { dbKind, type Tx } from "./db";

/** Advisory lock keys: one namespace per invariant (pg_advisory_xact_lock(int, int)). */
const AUDIT_CHAIN = 0x5354_4b01; // "STK" 1
/** Held for a whole session by the leader replica (lib/replicas/leader.ts), with 0 as second key. */
export const LEADER_LOCK = 0x5354_4b02; // "STK" 2

/** Until the transaction ends, no other transaction appends to the audit chain. */
export async function lockAuditChain(tx: Tx): Promise<void> {
  if (dbKind() !== "postgresql") return;
  await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock($1::int, 0)", AUDIT_CHAIN);
}

/**
 * Until the transaction ends, the app's row is this transaction's: checks made after it (a running
 * deployment, the last web-config version) cannot be raced by another replica doing the same.
 */
export async function lockApp(tx: Tx, appId: string): Promise<void> {
  if (dbKind() !== "postgresql") return;
  await tx.$executeRawUnsafe('SELECT 1 FROM "App" WHERE "id" = $1 FOR UPDATE', appId);
}
