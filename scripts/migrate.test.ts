import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { databaseUrl } from "./migrate.mjs";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-migrate-url-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("DATABASE_URL as the migration (and so `npm run server`) reads it", () => {
  it("takes postgresql://, postgres:// and file: URLs, and the data dir's SQLite file when unset", () => {
    expect(databaseUrl({ DATABASE_URL: "postgresql://stoker@db:5432/stoker" })).toBe("postgresql://stoker@db:5432/stoker");
    expect(databaseUrl({ DATABASE_URL: "postgres://stoker@db/stoker" })).toBe("postgres://stoker@db/stoker");
    expect(databaseUrl({ DATABASE_URL: "file:/var/lib/stoker/stoker.db" })).toBe("file:/var/lib/stoker/stoker.db");
    expect(databaseUrl({ STOKER_DATA_DIR: dir })).toBe(`file:${path.join(dir, "stoker.db")}`);
  });

  it("refuses any other value by name, without echoing it (it may hold a password)", () => {
    for (const bad of ["mysql://root:hunter2@db/stoker", "postgresq://stoker:hunter2@db/stoker", "stoker", "/var/lib/stoker/stoker.db"]) {
      expect(() => databaseUrl({ DATABASE_URL: bad }), bad).toThrow(/DATABASE_URL must be postgresql:\/\/.* or file:PATH/);
      expect(() => databaseUrl({ DATABASE_URL: bad })).not.toThrow(/hunter2/);
    }
  });

  it("exits 1 with that message and creates no SQLite file named after the value", () => {
    const script = path.resolve(import.meta.dirname, "migrate.mjs");
    const r = spawnSync(process.execPath, [script, "deploy"], { cwd: dir, encoding: "utf8", env: { ...process.env, DATABASE_URL: "garbage" } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/DATABASE_URL must be postgresql:\/\//);
    expect(existsSync(path.join(dir, "garbage"))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
