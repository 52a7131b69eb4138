// `stoker backup` / `stoker restore` round trip on a real, migrated SQLite database and real key
// files: a backup taken while another connection writes restores every row and key; restore
// refuses while a process (a control plane) has the database open, even with --force, refuses to
// replace existing data without --force, and sets the replaced data aside.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const dir = mkdtempSync(path.join(tmpdir(), "stoker-backup-"));
const dataDir = path.join(dir, "data");
const archive = path.join(dir, "backup.tar.gz");
let holder: ChildProcess | null = null;

const stoker = (...args: string[]) => {
  const r = spawnSync(process.execPath, [path.join(ROOT, "bin/stoker.mjs"), ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, STOKER_DATA_DIR: dataDir }, timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};
const settings = () => {
  const db = new Database(path.join(dataDir, "stoker.db"), { readonly: true });
  try {
    return (db.prepare(`SELECT "key", "value" FROM "Setting" ORDER BY "key"`).all() as { key: string; value: string }[]).map((r) => `${r.key}=${r.value}`);
  } finally {
    db.close();
  }
};
const KEY = `${Buffer.alloc(32, 7).toString("base64")}\n`;

beforeAll(() => {
  const migrated = spawnSync(process.execPath, ["scripts/migrate.mjs", "deploy"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, STOKER_DATA_DIR: dataDir } });
  expect(migrated.status, migrated.stderr).toBe(0);
  mkdirSync(path.join(dataDir, "keys"), { mode: 0o700 });
  writeFileSync(path.join(dataDir, "keys/secrets.key"), KEY, { mode: 0o600 });
  writeFileSync(path.join(dataDir, "keys/audit.key"), KEY.replace(/B/g, "C"), { mode: 0o600 });
  const db = new Database(path.join(dataDir, "stoker.db"));
  db.pragma("journal_mode = WAL");
  const insert = db.prepare(`INSERT INTO "Setting" ("key", "value") VALUES (?, ?)`);
  for (let i = 0; i < 50; i++) insert.run(`k${String(i).padStart(2, "0")}`, `v${i}`);
  db.close();
});

afterAll(() => {
  holder?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("stoker backup and restore", () => {
  it("backs up the database and keys into one 0600 archive", () => {
    const r = stoker("backup", "-o", archive);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("2 key(s) (audit.key, secrets.key)");
    expect(readFileSync(archive).length).toBeGreaterThan(1000);
    expect((statSync(archive).mode & 0o777).toString(8)).toBe("600");
    expect(stoker("backup", "-o", archive).out).toContain("exists"); // never overwrites
  });

  it("refuses to restore over existing data without --force", () => {
    const r = stoker("restore", archive);
    expect(r.code).toBe(1);
    expect(r.out).toContain("--force");
  });

  it("refuses while a process holds the database open, even with --force", async () => {
    // A stand-in for a running control plane: a process with the database open.
    holder = spawn(process.execPath, ["-e", `const D=require("better-sqlite3");const d=new D(${JSON.stringify(path.join(dataDir, "stoker.db"))});d.prepare("SELECT 1").get();setInterval(()=>{},1000)`], { cwd: ROOT, stdio: "ignore" });
    const deadline = Date.now() + 10_000;
    let r = stoker("restore", archive, "--force");
    while (!r.out.includes("running") && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 200));
      r = stoker("restore", archive, "--force");
    }
    expect(r.code).toBe(1);
    expect(r.out).toContain(`pid ${holder.pid}`);
    holder.kill("SIGKILL");
    await new Promise((res) => holder?.once("exit", res));
    holder = null;
  });

  it("restores every row and key with --force and keeps what it replaced", () => {
    const before = settings();
    expect(before).toHaveLength(50);
    // Damage after the backup: rows gone, a key replaced.
    const db = new Database(path.join(dataDir, "stoker.db"));
    db.prepare(`DELETE FROM "Setting" WHERE "key" < 'k25'`).run();
    db.close();
    writeFileSync(path.join(dataDir, "keys/secrets.key"), "something else\n");
    expect(settings()).toHaveLength(25);
    const r = stoker("restore", archive, "--force");
    expect(r.code, r.out).toBe(0);
    expect(settings()).toEqual(before);
    expect(readFileSync(path.join(dataDir, "keys/secrets.key"), "utf8")).toBe(KEY);
    const aside = readdirSync(dataDir).filter((n) => n.includes("before-restore-"));
    expect(aside.some((n) => n.startsWith("stoker.db."))).toBe(true);
    const keysAside = aside.find((n) => n.startsWith("keys."));
    expect(keysAside && readFileSync(path.join(dataDir, keysAside, "secrets.key"), "utf8")).toBe("something else\n");
  });

  it("refuses a file that is not a Stoker backup", () => {
    const bogus = path.join(dir, "bogus.tar.gz");
    writeFileSync(bogus, "not a tar");
    const r = stoker("restore", bogus, "--force");
    expect(r.code).toBe(1);
    expect(r.out).toContain("not a Stoker backup");
    expect(existsSync(path.join(dataDir, "stoker.db"))).toBe(true);
  });
});
