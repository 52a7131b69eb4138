// Invariants that replicas share through PostgreSQL (lib/db-locks.ts): two clients on one database,
// as two control-plane replicas are, appending to the audit chain at once. Without the chain's
// lock both read the same head: duplicate ids (one append fails) or a fork in the chain.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDb } from "./support/test-db";

const dataDir = mkdtempSync(path.join(tmpdir(), "stoker-pg-inv-"));
process.env.STOKER_DATA_DIR = dataDir;
const tdb = await testDb(dataDir);
Object.assign(process.env, tdb.env);

const { openDb, db } = await import("@/lib/db");
const { appendAudit } = await import("@/lib/audit/append-audit");
const { verifyAudit } = await import("@/lib/audit/verify-audit");
const replicas = [openDb(tdb.url), openDb(tdb.url)];

beforeAll(() => {
  const migrated = spawnSync(process.execPath, ["scripts/migrate.mjs", "deploy"], { env: { ...process.env }, encoding: "utf8" });
  expect(migrated.status, migrated.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await Promise.all([...replicas, db].map((c) => c.$disconnect()));
  rmSync(dataDir, { recursive: true, force: true });
  await tdb.drop();
});

describe("the audit chain on PostgreSQL", () => {
  it("stays one unbroken chain when two replicas append 20 events at once, three times", async () => {
    const ctx = { actor: { type: "system" as const }, ip: "" };
    // Three rounds of 20 at once: as many as the two clients' pools hold, so each waits on the lock,
    // not for a connection.
    const ids: number[] = [];
    for (let round = 0; round < 3; round++) {
      const appends = Array.from({ length: 20 }, (_, k) => {
        const i = round * 20 + k;
        return replicas[i % 2].$transaction((tx) => appendAudit(tx, ctx, { action: "test.concurrent", target: `n:${i}` }));
      });
      ids.push(...(await Promise.all(appends)));
    }
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const rows = await tdb.sql<{ target: string }>('SELECT target FROM "AuditEvent" ORDER BY id');
    expect(new Set(rows.map((r) => r.target)).size).toBe(60);
    expect(await verifyAudit()).toMatchObject({ ok: true, checked: 60, firstBrokenId: null });
  });
});
