import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { BUSY_TIMEOUT_MS, openDb } from "./db";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-db-"));
const file = path.join(dir, "stoker.db");
const client = openDb(file);

afterAll(async () => {
  await client.$disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe("the control plane's SQLite connection", () => {
  // The first query opens the client: slow on a loaded machine.
  it("runs in WAL mode, and the file itself says so to any other connection", { timeout: 30_000 }, async () => {
    const rows = await client.$queryRawUnsafe<{ journal_mode: string }[]>("PRAGMA journal_mode");
    expect(rows[0]?.journal_mode).toBe("wal");
    const other = new Database(file, { readonly: true });
    try {
      expect(other.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      other.close();
    }
  });

  it("waits for another connection's lock instead of failing at once (busy timeout), and syncs NORMAL", async () => {
    const timeout = await client.$queryRawUnsafe<{ timeout: bigint | number }[]>("PRAGMA busy_timeout");
    expect(Number(timeout[0]?.timeout)).toBe(BUSY_TIMEOUT_MS);
    const sync = await client.$queryRawUnsafe<{ synchronous: bigint | number }[]>("PRAGMA synchronous");
    expect(Number(sync[0]?.synchronous)).toBe(1); // NORMAL: no fsync per commit in WAL mode
  });
});
