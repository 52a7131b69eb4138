// The Prisma client, one per process even across Next's bundles, on SQLite (the default) or on
// PostgreSQL when DATABASE_URL is postgresql://… (DESIGN 6). Both clients are generated from the one
// schema (prisma/schema.prisma; the PostgreSQL copy is derived by scripts/pg-schema.mjs) and have the
// same models, so the rest of the code is typed against one of them (SQLite's) and never asks which.
// What does differ lives here: connection setup, and which database this process is on (for the
// few statements that must differ: lib/db-locks.ts, lib/db-text.ts).
// SQLite's connection is set up once at open (DESIGN 13): WAL, so readers never wait for a writer and
// a commit appends to the log instead of syncing a rollback journal; synchronous=NORMAL, which in WAL
// mode cannot corrupt the file and loses no commit on a process crash (only, at worst, the last
// commits before a power cut); and a busy timeout, so another connection's write lock (the
// migration process, the CLI's scripts) makes a query wait instead of failing with SQLITE_BUSY.
import "server-only";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter } from "@prisma/driver-adapter-utils";
import { PrismaClient } from "@/generated/prisma/client";
import { PrismaClient as PgPrismaClient } from "@/generated/prisma-pg/client";
import { databaseUrl, isPostgresUrl } from "./config";

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
export type DbKind = "sqlite" | "postgresql";

export const BUSY_TIMEOUT_MS = 5000;
export const CONNECTION_PRAGMAS = ["journal_mode = WAL", "synchronous = NORMAL", `busy_timeout = ${BUSY_TIMEOUT_MS}`];
/** Connections per replica: enough for bursts of requests, few enough for several replicas on one server. */
export const PG_POOL_SIZE = Number(process.env.STOKER_PG_POOL_SIZE ?? 10);

/** The adapter factory with the pragmas applied to every connection it opens. */
class TunedSqlite extends PrismaBetterSqlite3 {
  override async connect(): Promise<SqlDriverAdapter> {
    const adapter = await super.connect();
    await adapter.executeScript(CONNECTION_PRAGMAS.map((p) => `PRAGMA ${p};`).join("\n"));
    return adapter;
  }
}

export const dbKindOf = (url: string): DbKind => (isPostgresUrl(url) ? "postgresql" : "sqlite");

/** A client on a database URL (postgresql://… or file:…), or on a SQLite file path (tests). */
export function openDb(urlOrFile: string): PrismaClient {
  if (isPostgresUrl(urlOrFile)) {
    // Same models, same query API: only the generated class differs (its provider).
    // A transaction may wait for a lock another replica holds (lib/db-locks.ts): give it time.
    const client = new PgPrismaClient({
      adapter: new PrismaPg({ connectionString: urlOrFile, max: PG_POOL_SIZE }),
      transactionOptions: { maxWait: 10_000, timeout: 30_000 },
    });
    return client as unknown as PrismaClient;
  }
  const url = urlOrFile.startsWith("file:") ? urlOrFile : `file:${urlOrFile}`;
  return new PrismaClient({ adapter: new TunedSqlite({ url, timeout: BUSY_TIMEOUT_MS }) });
}

/** Which database this process's client is on. */
export const dbKind = (): DbKind => dbKindOf(databaseUrl());

const KEY = Symbol.for("stoker.db");
type WithDb = typeof globalThis & { [KEY]?: PrismaClient };

export function getDb(): PrismaClient {
  const g = globalThis as WithDb;
  g[KEY] ??= openDb(databaseUrl());
  return g[KEY];
}

export const db: PrismaClient = new Proxy({} as PrismaClient, {
  get: (_t, prop) => Reflect.get(getDb(), prop),
});
