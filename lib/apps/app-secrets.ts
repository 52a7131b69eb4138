// Secret env values on the control plane: sealed into the stored spec with the secrets key (kept
// outside the database, lib/keys/server-keys), shown back only as `{"secret": {"set": true}}`, and
// opened only for the agent (desired state, host validation). One module for the three moves.
import "server-only";
import { serverKey } from "../keys/server-keys";
import { isSecret, SECRET_SET, type SpecEnv } from "../protocol";
import { openText, sealText } from "../protocol/sealed-text";
import { err, ok, type Result } from "../result";

/** How the database holds an env value: a plain string, or a sealed secret. */
export type StoredEnvValue = string | { secret: { sealed: string } };
export type StoredEnv = Record<string, StoredEnvValue>;
/** Where a value belongs (the app's host and name never change): a sealed value moved elsewhere does not open. */
export type AppPlace = { hostId: string; name: string };

const aad = (place: AppPlace, name: string) => `${place.hostId}/${place.name}/${name}`;
const sealedOf = (v: unknown): string | null =>
  typeof v === "object" && v !== null && "secret" in v && typeof v.secret === "object" && v.secret !== null && "sealed" in v.secret && typeof v.secret.sealed === "string"
    ? v.secret.sealed
    : null;

/** The stored env as reads show it: every sealed secret becomes the set marker (nothing is opened). */
export function publicStoredEnv(stored: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, sealedOf(v) !== null ? { secret: SECRET_SET } : v]));
}

/**
 * The env to store for a saved spec: new secret values sealed, a set marker keeps the value stored
 * before (refused when there is none), a name left out is gone. Also names what changed, for the audit.
 */
export function sealEnv(env: SpecEnv, before: Record<string, unknown> | null, place: AppPlace): Result<{ stored: StoredEnv; changed: string[] }> {
  const key = serverKey("secrets");
  const stored: StoredEnv = {};
  const changed: string[] = [];
  for (const [name, v] of Object.entries(env)) {
    const old = before?.[name];
    const oldSealed = sealedOf(old);
    if (!isSecret(v)) {
      stored[name] = v;
      if (old !== v) changed.push(name);
    } else if (typeof v.secret === "object") {
      if (oldSealed === null) {
        const message = `No value is stored for the secret ${name}; send one: {"secret": "value"}.`;
        return err("BAD_REQUEST", message, { fields: [{ path: `env.${name}`, message }] });
      }
      stored[name] = { secret: { sealed: oldSealed } };
    } else {
      stored[name] = { secret: { sealed: sealText(key, v.secret, aad(place, name)) } };
      if (oldSealed === null || openText(key, oldSealed, aad(place, name)) !== v.secret) changed.push(name);
    }
  }
  for (const name of Object.keys(before ?? {})) if (!(name in env)) changed.push(name);
  return ok({ stored, changed });
}

/**
 * The env with every secret's value, for the agent only. A value that does not open (the secrets
 * key was replaced or lost: rotation is not built) stays a marker, which the agent refuses by name.
 */
export function openEnv(stored: Record<string, unknown>, place: AppPlace): Record<string, unknown> {
  const key = serverKey("secrets");
  return Object.fromEntries(
    Object.entries(stored).map(([k, v]) => {
      const sealed = sealedOf(v);
      if (sealed === null) return [k, v];
      const plain = openText(key, sealed, aad(place, k));
      if (plain === null) console.error(`[secrets] the stored value of ${place.name}'s ${k} does not open with the current secrets key`);
      return [k, plain === null ? { secret: SECRET_SET } : { secret: plain }];
    }),
  );
}
