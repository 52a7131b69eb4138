// The Prisma client (SQLite through better-sqlite3), one per process even across Next's bundles.
// The connection is set up once at open (DESIGN 13): WAL, so readers never wait for a writer and a
// commit appends to the log instead of syncing a rollback journal; synchronous=NORMAL, which in WAL
// mode cannot corrupt the file and loses no commit on a process crash (only, at worst, the last
// commits before a power cut); and a busy timeout, so another connection's write lock (the
// migration process, the CLI's scripts) makes a query wait instead of failing with SQLITE_BUSY.
import "server-only";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import type { SqlDriverAdapter } from "@prisma/driver-adapter-utils";
import { PrismaClient } from "@/generated/prisma/client";
import { databaseFile } from "./config";

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export const BUSY_TIMEOUT_MS = 5000;
export const CONNECTION_PRAGMAS = ["journal_mode = WAL", "synchronous = NORMAL", `busy_timeout = ${BUSY_TIMEOUT_MS}`];

/** The adapter factory with the pragmas applied to every connection it opens. */
class TunedSqlite extends PrismaBetterSqlite3 {
  override async connect(): Promise<SqlDriverAdapter> {
    const adapter = await super.connect();
    await adapter.executeScript(CONNECTION_PRAGMAS.map((p) => `PRAGMA ${p};`).join("\n"));
    return adapter;
  }
}

/** A client on one SQLite file (the control plane's, or a test's). */
export function openDb(file: string): PrismaClient {
  return new PrismaClient({ adapter: new TunedSqlite({ url: `file:${file}`, timeout: BUSY_TIMEOUT_MS }) });
}

const KEY = Symbol.for("stoker.db");
type WithDb = typeof globalThis & { [KEY]?: PrismaClient };

export function getDb(): PrismaClient {
  const g = globalThis as WithDb;
  g[KEY] ??= openDb(databaseFile());
  return g[KEY];
}

export const db: PrismaClient = new Proxy({} as PrismaClient, {
  get: (_t, prop) => Reflect.get(getDb(), prop),
});
