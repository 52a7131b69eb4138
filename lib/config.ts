// Control-plane settings from the environment (documented in the README).
import path from "node:path";

export const config = {
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? "127.0.0.1",
  dataDir: path.resolve(/*turbopackIgnore: true*/ process.env.STOKER_DATA_DIR ?? "data"),
  basePath: process.env.STOKER_BASE_PATH ?? "",
  sessionDays: 14,
};

export const databaseFile = () => path.join(/*turbopackIgnore: true*/ config.dataDir, "stoker.db");

/**
 * The database (DESIGN 6): DATABASE_URL, `postgresql://…` for PostgreSQL (replicas) or `file:…` for
 * SQLite; unset, the SQLite file in the data dir. scripts/migrate.mjs reads it the same way.
 */
export const databaseUrl = () => process.env.DATABASE_URL || `file:${databaseFile()}`;
export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

/**
 * One line for the start-up block: which database this control plane is on, without credentials.
 * A replica (`npm run server`) on SQLite is alone: said so, since sharing needs PostgreSQL.
 */
export function databaseLine(url: string, replica: boolean): string {
  if (isPostgresUrl(url)) {
    const u = URL.canParse(url) ? new URL(url) : null;
    const where = u ? `${u.hostname || "localhost"}${u.port ? `:${u.port}` : ""}${u.pathname}` : "(unparsed URL)";
    return `Database: PostgreSQL ${where}; every replica started with this DATABASE_URL serves the same data.`;
  }
  const file = url.replace(/^file:/, "");
  return replica
    ? `Database: SQLite ${file}, so this control plane is alone: replicas share a PostgreSQL DATABASE_URL (README: PostgreSQL).`
    : `Database: SQLite ${file}.`;
}
