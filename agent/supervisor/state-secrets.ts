// Secret env values in the agent's state file: sealed with the agent's own key (a 0600 file beside
// the state, created on first use), so state.json, its backups and anything that copies the state
// dir's JSON hold no secret in clear. The agent must keep them: after its own restart, with the
// control plane away, a recycled process still needs its full environment.
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { openText, sealText } from "../../lib/protocol/sealed-text";

const KEY_FILE = "secrets.key";

function stateKey(stateDir: string): Buffer {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = path.join(stateDir, KEY_FILE);
  try {
    const fd = openSync(file, "wx", 0o600); // wx: never replace a key that sealed earlier state
    writeSync(fd, randomBytes(32).toString("base64"));
    closeSync(fd);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  return Buffer.from(readFileSync(file, "utf8").trim(), "base64");
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Rewrites each `{secret: "value"}` of a saved app's specs (desired, running) with `fn`. */
function mapSecrets(app: unknown, fn: (value: unknown, aad: string) => unknown): unknown {
  if (!isObj(app)) return app;
  const out: Json = { ...app };
  for (const key of ["desired", "running"]) {
    const d = out[key];
    if (!isObj(d) || !isObj(d.spec) || !isObj(d.spec.env)) continue;
    const env: Json = {};
    for (const [name, v] of Object.entries(d.spec.env)) {
      env[name] = isObj(v) && "secret" in v ? { secret: fn(v.secret, `${String(d.appId)}/${name}`) } : v;
    }
    out[key] = { ...d, spec: { ...d.spec, env } };
  }
  return out;
}

/** Before writing: every secret value becomes `{sealed}`. */
export function sealStateApps(stateDir: string, apps: unknown[]): unknown[] {
  const key = stateKey(stateDir);
  return apps.map((a) => mapSecrets(a, (v, aad) => (typeof v === "string" ? { sealed: sealText(key, v, aad) } : v)));
}

/** After reading: every `{sealed}` is opened again (one that does not open is left to fail the parse). */
export function openStateApps(stateDir: string, apps: unknown[]): unknown[] {
  if (!apps.some((a) => JSON.stringify(a).includes('"sealed"'))) return apps;
  const key = stateKey(stateDir);
  return apps.map((a) => mapSecrets(a, (v, aad) => (isObj(v) && typeof v.sealed === "string" ? (openText(key, v.sealed, aad) ?? v) : v)));
}
