// The Prisma client (SQLite through better-sqlite3), one per process even across Next's bundles.
import "server-only";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "@/generated/prisma/client";
import { databaseFile } from "./config";

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

const KEY = Symbol.for("stoker.db");
type WithDb = typeof globalThis & { [KEY]?: PrismaClient };

export function getDb(): PrismaClient {
  const g = globalThis as WithDb;
  g[KEY] ??= new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${databaseFile()}` }) });
  return g[KEY];
}

export const db: PrismaClient = new Proxy({} as PrismaClient, {
  get: (_t, prop) => Reflect.get(getDb(), prop),
});
