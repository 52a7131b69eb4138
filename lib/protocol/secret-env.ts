// Secret env values: the one home of their shapes and of the rule "a process gets the value, nobody
// reads it back". A spec's env value is a plain string, `{"secret": "value"}` (a new value: the
// control plane seals it), or `{"secret": {"set": true}}` (what reads show; sent back on an update
// it keeps the stored value). Only the agent ever sees `{"secret": "value"}`, to hand it to a process.
import * as z from "zod";

export const EnvNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "Environment names use letters, digits and _.");
export const EnvStringSchema = z.string().max(32_768).regex(/^[^\u0000]*$/, "NUL is not allowed.");

/** What reads show for a secret, and what an update sends to keep it. */
export const SecretSetSchema = z.strictObject({ set: z.literal(true) });
export const SECRET_SET = { set: true } as const;

export const SecretEnvValueSchema = z
  .strictObject({ secret: z.union([EnvStringSchema, SecretSetSchema]) })
  .describe(
    'A secret env value, write-only: send {"secret": "value"} to set or replace it; reads show {"secret": {"set": true}}, never the value; send that marker back to keep the stored value; leave the name out to remove it. Stored encrypted (AES-256-GCM) with a key outside the database, kept out of audit rows, and handed to the app only when a process starts.',
  );
export const EnvValueSchema = z.union([EnvStringSchema, SecretEnvValueSchema]);
export type EnvValue = z.infer<typeof EnvValueSchema>;
export type SpecEnv = Record<string, EnvValue>;

export function isSecret(v: EnvValue): v is { secret: string | { set: true } } {
  return typeof v === "object";
}

/** True for a secret whose value is not here (the set marker): only the control plane can fill it. */
export function isSecretMarker(v: EnvValue): boolean {
  return typeof v === "object" && typeof v.secret === "object";
}

/**
 * The environment a process gets from a spec's env: every value as a string. A marker has no value
 * to give; it never reaches an agent (DesiredAppSchema refuses it), and counts as empty here.
 */
export function plainEnv(env: Readonly<SpecEnv>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) out[k] = typeof v === "string" ? v : typeof v.secret === "string" ? v.secret : "";
  return out;
}

/** The env as reads show it: plain values as they are (or masked), every secret as the set marker. */
export function publicEnv(env: Readonly<SpecEnv>, maskPlain = false): SpecEnv {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, isSecret(v) ? { secret: SECRET_SET } : maskPlain ? "••••" : v]));
}

/** Names of secret variables in an env. */
export function secretNames(env: Readonly<SpecEnv>): string[] {
  return Object.entries(env)
    .filter(([, v]) => isSecret(v))
    .map(([k]) => k);
}

/** Applies `fn` to every string value (plain, or a secret's own value); markers stay markers. */
export function mapEnvStrings(env: Readonly<SpecEnv>, fn: (s: string) => string): SpecEnv {
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, typeof v === "string" ? fn(v) : typeof v.secret === "string" ? { secret: fn(v.secret) } : v]),
  );
}
