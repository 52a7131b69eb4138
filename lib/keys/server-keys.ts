// The control plane's own keys, kept outside the database (one module for all of them): the audit
// chain's HMAC key and the key that encrypts secret env values. From the environment
// (STOKER_AUDIT_KEY, STOKER_SECRETS_KEY: 32+ bytes as base64 or hex), else a 0600 file in
// $STOKER_DATA_DIR/keys/, created on first use. Someone who can write the database cannot read these.
import "server-only";
import { chmodSync, mkdirSync, openSync, readFileSync, statSync, writeSync, closeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { config } from "../config";

export type KeyName = "audit" | "secrets";
const ENV: Record<KeyName, string> = { audit: "STOKER_AUDIT_KEY", secrets: "STOKER_SECRETS_KEY" };
const CACHE = Symbol.for("stoker.server-keys");

export function keysDir(): string {
  return path.join(/*turbopackIgnore: true*/ config.dataDir, "keys");
}

function decode(text: string, where: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]+$/.test(t) && t.length % 2 === 0 ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  if (key.length < 32) throw new Error(`${where} must hold at least 32 bytes (base64 or hex); it holds ${key.length}.`);
  return key;
}

function fromFile(name: KeyName): Buffer {
  const dir = keysDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${name}.key`);
  try {
    // wx: two processes starting at once cannot both create (and so disagree on) the key.
    const fd = openSync(file, "wx", 0o600);
    writeSync(fd, `${randomBytes(32).toString("base64")}\n`);
    closeSync(fd);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  if ((statSync(file).mode & 0o077) !== 0) {
    console.warn(`[stoker] ${file} was readable by others; set back to 0600`);
    chmodSync(file, 0o600);
  }
  return decode(readFileSync(file, "utf8"), file);
}

/** The key by name: the environment wins over the file. Cached per data dir. */
export function serverKey(name: KeyName): Buffer {
  const g = globalThis as typeof globalThis & { [CACHE]?: Map<string, Buffer> };
  g[CACHE] ??= new Map();
  const id = `${config.dataDir}\u0000${name}`;
  let key = g[CACHE].get(id);
  if (!key) {
    const env = process.env[ENV[name]];
    key = env ? decode(env, ENV[name]) : fromFile(name);
    g[CACHE].set(id, key);
  }
  return key;
}
