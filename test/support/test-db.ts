// The database a test's control plane uses: SQLite in its data dir (the default), or, in the `pg`
// vitest project (STOKER_TEST_PG_URL, set by pg-global-setup.ts), a fresh database of its own in the
// run's PostgreSQL cluster. `sql` reads or tampers with it directly, in either dialect: write
// PostgreSQL's $1, $2 placeholders and double-quoted table names, which SQLite accepts too.
import { randomBytes } from "node:crypto";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";

export type TestDb = {
  kind: "sqlite" | "postgresql";
  url: string;
  /** Environment for a control plane (or migrate.mjs) on this database. */
  env: Record<string, string>;
  sql<T = Record<string, unknown>>(text: string, ...params: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
};

export const onPostgres = () => Boolean(process.env.STOKER_TEST_PG_URL);

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function testDb(dataDir: string): Promise<TestDb> {
  const admin = process.env.STOKER_TEST_PG_URL;
  if (!admin) {
    const file = path.join(dataDir, "stoker.db");
    return {
      kind: "sqlite",
      url: `file:${file}`,
      env: {},
      async sql<T>(text: string, ...params: unknown[]) {
        const order = [...text.matchAll(/\$(\d+)/g)].map((m) => params[Number(m[1]) - 1]);
        const values = order.map((v) => (v instanceof Date ? v.getTime() : typeof v === "boolean" ? Number(v) : v));
        const db = new Database(file);
        try {
          const stmt = db.prepare(text.replace(/\$\d+/g, "?"));
          if (stmt.reader) return stmt.all(...values) as T[];
          stmt.run(...values);
          return [];
        } finally {
          db.close();
        }
      },
      async drop() {},
    };
  }
  const name = `stoker_${randomBytes(6).toString("hex")}`;
  await withClient(admin, (c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(admin);
  u.pathname = `/${name}`;
  const url = u.toString();
  return {
    kind: "postgresql",
    url,
    env: { DATABASE_URL: url },
    sql: <T>(text: string, ...params: unknown[]) => withClient(url, async (c) => (await c.query(text, params)).rows as T[]),
    async drop() {
      await withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
