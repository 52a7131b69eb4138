// Offline `prisma migrate` with Prisma's own wasm schema engine (no engine binary needed), for both
// databases (DESIGN 6): SQLite, the default, and PostgreSQL, chosen by DATABASE_URL (postgresql://…).
//   node scripts/migrate.mjs create NAME  -> prisma/migrations/<ts>_NAME and prisma/migrations-postgresql/<ts>_NAME
//   node scripts/migrate.mjs deploy       -> apply pending migrations to the Stoker database
// One schema (prisma/schema.prisma); the PostgreSQL copy is derived from it (scripts/pg-schema.mjs),
// so every change gets a migration for each database, made from the same edit in one step. The
// layout (`migrations`, `_prisma_migrations`) is Prisma's, so `prisma migrate deploy` works too.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import * as bg from "@prisma/schema-engine-wasm/schema_engine_bg";
import pg from "pg";
import { postgresSchema } from "./pg-schema.mjs";
import { startTempPostgres } from "./temp-postgres.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SCHEMA = path.join(ROOT, "prisma/schema.prisma");
const filters = { externalTables: [], externalEnums: [] };

export const isPostgresUrl = (url) => /^postgres(ql)?:\/\//.test(url);

/** What differs per database: migrations dir, schema text, driver adapter. */
const FLAVOURS = {
  sqlite: {
    dir: path.join(ROOT, "prisma/migrations"),
    schema: () => readFileSync(SCHEMA, "utf8"),
    adapter: (url) => new PrismaBetterSqlite3({ url }),
  },
  postgresql: {
    dir: path.join(ROOT, "prisma/migrations-postgresql"),
    schema: () => postgresSchema(readFileSync(SCHEMA, "utf8")),
    adapter: (url, describe) => (describe ? new DescribablePg({ connectionString: url }) : new PrismaPg({ connectionString: url })),
  },
};
// Describing a database (only `create` does: the diff) reads pg_catalog columns of type "char"
// (oid 18), which the pg adapter cannot map ("Column type 'char' could not be deserialized"): they
// hold one letter, so they are handed over as text. Applying migrations never needs this.
const CHAR_OID = 18;
const TEXT_OID = 25;
class DescribablePg extends PrismaPg {
  async connect() {
    const adapter = await super.connect();
    const performIO = adapter.performIO.bind(adapter);
    adapter.performIO = async (query) => {
      const result = await performIO(query);
      for (const f of result.fields) if (f.dataTypeID === CHAR_OID) f.dataTypeID = TEXT_OID;
      return result;
    };
    return adapter;
  }
}

const flavourOf = (url) => (isPostgresUrl(url) ? "postgresql" : "sqlite");

let wasmReady = false;
async function loadEngine() {
  if (wasmReady) return;
  // The package's main entry imports a .wasm file, which Node cannot load: instantiate by hand.
  const wasm = readFileSync(new URL("schema_engine_bg.wasm", import.meta.resolve("@prisma/schema-engine-wasm/schema_engine_bg")));
  const { instance } = await WebAssembly.instantiate(wasm, { "./schema_engine_bg.js": bg });
  bg.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start?.();
  wasmReady = true;
}

const schemaFile = (kind) => ({ path: "prisma/schema.prisma", content: FLAVOURS[kind].schema() });

async function openEngine(kind, url, describe = false) {
  await loadEngine();
  const s = schemaFile(kind);
  return bg.SchemaEngine.new(
    { datamodels: [[s.path, s.content]] },
    (log) => process.env.DEBUG && console.error(log),
    bindMigrationAwareSqlAdapterFactory(FLAVOURS[kind].adapter(url, describe)),
  );
}

function migrationsList(kind) {
  const dir = FLAVOURS[kind].dir;
  const lock = path.join(dir, "migration_lock.toml");
  const names = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()
    : [];
  return {
    baseDir: dir,
    lockfile: { path: "migration_lock.toml", content: existsSync(lock) ? readFileSync(lock, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: names.map((name) => ({
      path: name,
      migrationFile: { path: "migration.sql", content: { tag: "ok", value: readFileSync(path.join(dir, name, "migration.sql"), "utf8") } },
    })),
  };
}

/** Applies pending migrations to the database at `url` (file:… or postgresql://…). Returns the names applied. */
export async function deployMigrations(url) {
  const kind = flavourOf(url);
  const engine = await openEngine(kind, url);
  const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList: migrationsList(kind), filters });
  return appliedMigrationNames;
}

/** The SQL from the existing migrations (applied to the scratch database at `url`) to the schema; "" if none. */
async function pendingSql(kind, url) {
  const engine = await openEngine(kind, url, true);
  await engine.applyMigrations({ migrationsList: migrationsList(kind), filters });
  const s = schemaFile(kind);
  const { exitCode, stdout } = await engine.diff({
    from: { tag: "schemaDatasource", files: [s], configDir: ROOT },
    to: { tag: "schemaDatamodel", files: [s] },
    script: true,
    exitCode: true,
    filters,
  });
  return exitCode === 0 ? "" : stdout;
}

function writeMigration(kind, folder, sql) {
  const dir = FLAVOURS[kind].dir;
  mkdirSync(path.join(dir, folder), { recursive: true });
  writeFileSync(path.join(dir, folder, "migration.sql"), sql);
  const lock = path.join(dir, "migration_lock.toml");
  if (!existsSync(lock)) writeFileSync(lock, `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${kind}"\n`);
  console.log(`Created ${path.relative(ROOT, path.join(dir, folder))}/migration.sql`);
}

async function create(name) {
  if (!name) throw new Error("usage: node scripts/migrate.mjs create NAME");
  // Scratch databases made by hand (the engine's own shadow path fails with better-sqlite3): the
  // migrations so far applied to an empty database, then diffed against the schema.
  const tmp = mkdtempSync(path.join(tmpdir(), "prisma-shadow-"));
  const cluster = await startTempPostgres();
  try {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query("CREATE DATABASE shadow");
    await admin.end();
    const sql = {
      sqlite: await pendingSql("sqlite", `file:${path.join(tmp, "shadow.db")}`),
      postgresql: await pendingSql("postgresql", cluster.urlFor("shadow")),
    };
    if (!sql.sqlite && !sql.postgresql) return console.log("No schema changes, no migration created.");
    const folder = `${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}_${name.replace(/\W/g, "_")}`;
    for (const kind of ["sqlite", "postgresql"]) if (sql[kind]) writeMigration(kind, folder, sql[kind]);
  } finally {
    await cluster.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * DATABASE_URL (file:… or postgresql://…), else the SQLite file in STOKER_DATA_DIR (lib/config.ts reads
 * it alike). Any other value is refused: taken for a SQLite path, `mysql://…` failed with "External
 * error id#0" and a typo like `postgresq://…` or `stoker` silently became a new, empty SQLite database
 * named so in the working directory. `npm start` and `npm run server` migrate first, so this is where
 * a replica started with a wrong URL stops. The value is not echoed: it may hold a password.
 * @param {Record<string, string | undefined>} [env]
 */
export function databaseUrl(env = process.env) {
  const url = env.DATABASE_URL;
  if (url) {
    if (isPostgresUrl(url) || url.startsWith("file:")) return url;
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0];
    throw new Error(
      `DATABASE_URL must be postgresql://USER@HOST:PORT/DATABASE (PostgreSQL) or file:PATH (SQLite); ${scheme ? `one starting with "${scheme}" is neither` : "it has no scheme (postgresql:// or file:)"}`,
    );
  }
  const dataDir = path.resolve(env.STOKER_DATA_DIR ?? "data");
  mkdirSync(dataDir, { recursive: true });
  return `file:${path.join(dataDir, "stoker.db")}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [cmd, arg] = process.argv.slice(2);
  try {
    if (cmd === "create") await create(arg);
    else if (cmd === "deploy") {
      const applied = await deployMigrations(databaseUrl());
      console.log(applied.length ? `Applied: ${applied.join(", ")}` : "No pending migrations.");
    } else throw new Error("usage: node scripts/migrate.mjs create NAME | deploy");
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  }
}
