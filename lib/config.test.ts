import { describe, expect, it } from "vitest";
import { databaseLine } from "./config";

describe("the start-up block's database line", () => {
  it("names PostgreSQL's host, port and database, never its password", () => {
    const line = databaseLine("postgresql://stoker:hunter2@db.internal:5433/stoker?sslmode=require", true);
    expect(line).toBe("Database: PostgreSQL db.internal:5433/stoker; every replica started with this DATABASE_URL serves the same data.");
    expect(databaseLine("postgresql://stoker:hunter2@db/stoker", false)).not.toMatch(/hunter2|stoker:/);
  });

  it("tells a replica on SQLite that it is alone, and npm start only where its file is", () => {
    expect(databaseLine("file:/srv/stoker/stoker.db", true)).toMatch(/^Database: SQLite \/srv\/stoker\/stoker\.db, so this control plane is alone: replicas share a PostgreSQL DATABASE_URL/);
    expect(databaseLine("file:/srv/stoker/stoker.db", false)).toBe("Database: SQLite /srv/stoker/stoker.db.");
  });
});
