// insertRows against a real SQLite database with the project's schema (migrated by
// scripts/migrate.mjs, as `npm start` does) through the project's Prisma client: the rows Prisma
// reads back, statements split at the bound-parameter limit, and values that would break a
// statement built by pasting text (quotes, placeholders, unicode, null) stored exactly.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Cell, insertRows } from "./db-insert";
import { type Db, openDb, type Tx } from "./db";

const COLUMNS = ["appId", "pid", "from", "to", "at", "detail", "kind", "source", "seq"] as const;

let dir: string;
let client: Db;
let appId: string;

/** Runs insertRows in a transaction, recording the number of bound parameters of each statement it sends. */
async function insertCounting(columns: readonly string[], rows: Cell[][]): Promise<number[]> {
  const statements: number[] = [];
  await client.$transaction(async (tx) => {
    const counting = new Proxy(tx, {
      get(target, key, receiver) {
        if (key !== "$executeRawUnsafe") return Reflect.get(target, key, receiver);
        return (query: string, ...params: unknown[]) => {
          statements.push(params.length);
          return target.$executeRawUnsafe(query, ...params);
        };
      },
    }) as Tx;
    await insertRows(counting, "ProcessEvent", columns, rows);
  });
  return statements;
}

const row = (pid: number, detail = `event ${pid}`, at = new Date(Date.UTC(2026, 11, 6, 8, 0, 0, pid % 1000))): Cell[] => [appId, pid, "STARTING", "RUNNING", at, detail, "start", null, null];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "stoker-db-insert-"));
  const url = `file:${path.join(dir, "stoker.db")}`;
  execFileSync(process.execPath, ["scripts/migrate.mjs", "deploy"], { env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });
  client = openDb(url);
  const host = await client.host.create({ data: { name: "h", keyHash: "k" } });
  appId = (await client.app.create({ data: { name: "a", hostId: host.id, spec: "{}" } })).id;
}, 60_000);

beforeEach(async () => {
  await client.processEvent.deleteMany();
});

afterAll(async () => {
  await client?.$disconnect();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("insertRows on SQLite", () => {
  it("stores every row with its values as Prisma reads them back: times to the millisecond, nulls as null", async () => {
    const at = new Date("2026-12-06T08:01:02.345Z");
    const statements = await insertCounting(COLUMNS, [
      [appId, 101, "STARTING", "RUNNING", at, "probe answered", "start", "h:boot-1", 7],
      [appId, 102, "RUNNING", "EXITED", new Date(at.getTime() + 1), "exit 1", "crash", null, null],
    ]);
    expect(statements).toEqual([18]);
    const stored = await client.processEvent.findMany({ orderBy: { id: "asc" } });
    expect(stored.map(({ id: _, ...r }) => r)).toEqual([
      { appId, pid: 101, from: "STARTING", to: "RUNNING", at, detail: "probe answered", kind: "start", source: "h:boot-1", seq: 7 },
      { appId, pid: 102, from: "RUNNING", to: "EXITED", at: new Date("2026-12-06T08:01:02.346Z"), detail: "exit 1", kind: "crash", source: null, seq: null },
    ]);
  });

  it("sends nothing for no rows", async () => {
    expect(await insertCounting(COLUMNS, [])).toEqual([]);
    expect(await client.processEvent.count()).toBe(0);
  });

  it("splits the rows into statements of at most 900 bound parameters (100 rows of 9 columns), all stored in order", async () => {
    expect(await insertCounting(COLUMNS, Array.from({ length: 100 }, (_, i) => row(i)))).toEqual([900]); // exactly at the limit: one
    await client.processEvent.deleteMany();
    const statements = await insertCounting(COLUMNS, Array.from({ length: 250 }, (_, i) => row(i)));
    expect(statements).toEqual([900, 900, 450]);
    const stored = await client.processEvent.findMany({ orderBy: { id: "asc" }, select: { pid: true, detail: true } });
    expect(stored).toEqual(Array.from({ length: 250 }, (_, i) => ({ pid: i, detail: `event ${i}` })));
  });

  it("fits as many rows as the parameter limit allows whatever the column count (180 rows of 5 columns)", async () => {
    const five = ["appId", "pid", "from", "to", "at"];
    const statements = await insertCounting(five, Array.from({ length: 181 }, (_, i) => row(i).slice(0, 5)));
    expect(statements).toEqual([900, 5]);
    expect(await client.processEvent.count()).toBe(181);
    // The columns left out take the schema's defaults.
    expect(await client.processEvent.findFirst({ where: { pid: 180 }, select: { detail: true, kind: true, source: true, seq: true } })).toEqual({ detail: "", kind: "", source: null, seq: null });
  });

  it("stores awkward text exactly: quotes, a statement's own syntax, placeholders, backslashes, line ends, unicode", async () => {
    const awkward = [
      "it's",
      'say "hi"',
      `'); DROP TABLE "ProcessEvent"; --`,
      "? and $1 and :name and @p",
      "C:\\temp\\new\\x00",
      "line one\nline two\r\n\ttabbed",
      "naïve café — 日本語 — 🚀 — \u202Eright to left\u202C — e\u0301",
      "",
      "x".repeat(20_000),
    ];
    await insertCounting(
      COLUMNS,
      awkward.map((text, i) => [appId, i, "RUNNING", "EXITED", new Date(0), text, text.slice(0, 50), text ? `source ${text}` : null, null]),
    );
    const stored = await client.processEvent.findMany({ orderBy: { id: "asc" }, select: { pid: true, detail: true, kind: true, source: true } });
    expect(stored).toEqual(awkward.map((text, i) => ({ pid: i, detail: text, kind: text.slice(0, 50), source: text ? `source ${text}` : null })));
    // The table is whole: the text that reads as SQL was a value.
    expect(await client.processEvent.count()).toBe(awkward.length);
  });
});
