// `stoker backup` / `stoker restore`: the control plane's database and keys as one .tar.gz, run on
// the control plane's machine (not through the API). The database is copied with SQLite's online
// backup API (better-sqlite3), so a running control plane keeps serving and the copy is consistent;
// the keys (audit chain, secret env values) come from $STOKER_DATA_DIR/keys. A restore never runs
// under a live control plane, and sets the data it replaces aside instead of deleting it.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import * as tar from "tar";
import * as z from "zod";
import type { Flags } from "./args";
import { CliError } from "./client";

const DB = "stoker.db";
const KEY_FILE = /^[a-z0-9-]+\.key$/;
const ManifestSchema = z.object({ format: z.literal("stoker-backup"), version: z.literal(1), createdAt: z.string(), database: z.literal(DB), keys: z.array(z.string().regex(KEY_FILE)) });

function dataDirOf(flags: Flags): string {
  return path.resolve(typeof flags["data-dir"] === "string" ? flags["data-dir"] : (process.env.STOKER_DATA_DIR ?? "data"));
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, "-");

/** Checks a database file is whole (SQLite's integrity check) and returns its migration count. */
function checkDatabase(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const result = db.pragma("integrity_check", { simple: true });
    if (result !== "ok") throw new CliError(`${file} fails SQLite's integrity check: ${String(result)}`);
    const row = db.prepare("SELECT count(*) AS n FROM _prisma_migrations").get() as { n: number } | undefined;
    return row?.n ?? 0;
  } finally {
    db.close();
  }
}

export async function backup(flags: Flags): Promise<void> {
  const dataDir = dataDirOf(flags);
  const dbFile = path.join(dataDir, DB);
  if (!existsSync(dbFile)) throw new CliError(`No database at ${dbFile}: give the control plane's data dir with --data-dir (or STOKER_DATA_DIR).`);
  const output = path.resolve(typeof flags.output === "string" ? flags.output : `stoker-backup-${stamp()}.tar.gz`);
  if (existsSync(output)) throw new CliError(`${output} exists; choose another file with -o.`);
  const stage = mkdtempSync(path.join(path.dirname(output), ".stoker-backup-"));
  try {
    chmodSync(stage, 0o700);
    const source = new Database(dbFile, { fileMustExist: true });
    try {
      await source.backup(path.join(stage, DB)); // online: pages copied while the control plane writes
    } finally {
      source.close();
    }
    const migrations = checkDatabase(path.join(stage, DB));
    const keysDir = path.join(dataDir, "keys");
    const keys = existsSync(keysDir) ? readdirSync(keysDir).filter((n) => KEY_FILE.test(n)) : [];
    mkdirSync(path.join(stage, "keys"), { mode: 0o700 });
    for (const k of keys) copyFileSync(path.join(keysDir, k), path.join(stage, "keys", k));
    writeFileSync(path.join(stage, "manifest.json"), `${JSON.stringify({ format: "stoker-backup", version: 1, createdAt: new Date().toISOString(), database: DB, keys }, null, 2)}\n`);
    await tar.c({ gzip: true, file: output, cwd: stage, portable: true, mode: 0o600 } as tar.TarOptionsWithAliasesAsyncFile, ["manifest.json", DB, "keys"]);
    chmodSync(output, 0o600); // it holds the keys: as secret as they are
    console.log(`stoker: backed up ${dbFile} (${migrations} migrations) and ${keys.length} key(s) (${keys.join(", ") || "none"}) to ${output}`);
    const fromEnv = ["STOKER_AUDIT_KEY", "STOKER_SECRETS_KEY"].filter((k) => process.env[k]);
    if (fromEnv.length) console.log(`stoker: ${fromEnv.join(" and ")} come from the environment and are not in the backup: keep them with it.`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** pids of processes (other than this one) that have the database open: a running control plane. */
export function databaseHolders(dbFile: string): number[] {
  const names = new Set([dbFile, `${dbFile}-wal`, `${dbFile}-shm`]);
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    const pid = Number(e);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (readdirSync(`/proc/${pid}/fd`).some((fd) => names.has(readlinkSync(`/proc/${pid}/fd/${fd}`)))) out.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

export async function restore(file: string | undefined, flags: Flags): Promise<void> {
  if (!file) throw new CliError("restore: name the backup file: stoker restore FILE [--data-dir DIR] [--force]");
  const archive = path.resolve(file);
  if (!existsSync(archive)) throw new CliError(`No file ${archive}.`);
  const dataDir = dataDirOf(flags);
  const dbFile = path.join(dataDir, DB);
  const holders = databaseHolders(dbFile);
  if (holders.length) {
    // Not even with --force: a live process would keep writing to the file it has open.
    throw new CliError(`A control plane is running on ${dataDir} (pid ${holders.join(", ")} has ${dbFile} open). Stop it first (systemctl stop stoker, or Ctrl-C npm start), then restore.`);
  }
  const keysDir = path.join(dataDir, "keys");
  if ((existsSync(dbFile) || existsSync(keysDir)) && flags.force !== true) {
    throw new CliError(`${dataDir} already holds a database or keys. Restoring replaces them (they are kept aside as *.before-restore-…): run again with --force.`);
  }
  mkdirSync(dataDir, { recursive: true });
  const stage = mkdtempSync(path.join(dataDir, ".restore-"));
  try {
    chmodSync(stage, 0o700);
    // Only the entries a backup has: no absolute path, no .., no links.
    await tar.x({
      file: archive,
      cwd: stage,
      strict: true,
      filter: (p, entry) => {
        const type = "type" in entry ? entry.type : "";
        return p === "manifest.json" || p === DB || (type === "Directory" && /^keys\/?$/.test(p)) || (type === "File" && /^keys\/[a-z0-9-]+\.key$/.test(p));
      },
    }).catch((e: unknown) => {
      throw new CliError(`${archive} is not a Stoker backup (${e instanceof Error ? e.message : String(e)}).`);
    });
    let manifest: z.infer<typeof ManifestSchema>;
    try {
      manifest = ManifestSchema.parse(JSON.parse(readFileSync(path.join(stage, "manifest.json"), "utf8")));
    } catch {
      throw new CliError(`${archive} is not a Stoker backup (no valid manifest.json).`);
    }
    const migrations = checkDatabase(path.join(stage, DB));
    for (const k of manifest.keys) if (!existsSync(path.join(stage, "keys", k))) throw new CliError(`${archive} names key ${k} but does not hold it.`);
    // Nothing is lost: what is there now is set aside, then the backup moves in (renames, same filesystem).
    const aside = `before-restore-${stamp()}`;
    const setAside: string[] = [];
    for (const name of [DB, `${DB}-wal`, `${DB}-shm`, "keys"]) {
      const p = path.join(dataDir, name);
      if (existsSync(p)) {
        renameSync(p, `${p}.${aside}`);
        setAside.push(`${name}.${aside}`);
      }
    }
    renameSync(path.join(stage, DB), dbFile);
    mkdirSync(keysDir, { recursive: true, mode: 0o700 });
    for (const k of manifest.keys) {
      renameSync(path.join(stage, "keys", k), path.join(keysDir, k));
      chmodSync(path.join(keysDir, k), 0o600);
    }
    console.log(`stoker: restored ${dbFile} (${migrations} migrations, backed up ${manifest.createdAt}) and ${manifest.keys.length} key(s) into ${dataDir}`);
    if (setAside.length) console.log(`stoker: the previous ${setAside.join(", ")} are kept in ${dataDir}`);
    console.log("stoker: start the control plane; pending migrations (a backup from an older version) are applied at start.");
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
