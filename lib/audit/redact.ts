// Removes secrets from values before they are stored in the audit log.
const SECRET_KEY = /pass(word)?|secret|token|key|credential|env/i;

export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === "env" && v && typeof v === "object") {
      // Keep which variables exist (useful in a diff), never their values.
      out[k] = Object.fromEntries(Object.keys(v).map((name) => [name, "••••"]));
    } else if (SECRET_KEY.test(k) && typeof v === "string") out[k] = "••••";
    else out[k] = redactSecrets(v, depth + 1);
  }
  return out;
}
