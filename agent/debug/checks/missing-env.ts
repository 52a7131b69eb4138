// Environment variables the app needs but does not get: named in its failure output, absent from
// the app's env, and (the classic) set in its user's interactive login shell, where it "worked".
import type { DoctorFinding } from "../../../lib/protocol";

// Patterns that certainly name an environment variable.
const STRONG = [
  /os\.environ\[\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\]/g,
  /environ\.get\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]/g,
  /\$ENV\{\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?\s*\}/g,
  /getenv\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\)/g,
  /process\.env\.([A-Za-z_][A-Za-z0-9_]*)/g,
  /(?:environment variable|env var|env)\s+['"`]?([A-Z_][A-Z0-9_]*)['"`]?\s+(?:is\s+)?(?:not set|missing|undefined|unset|required)/gi,
  /(?:missing|undefined|unset|required)\s+(?:environment variable|env var)\s+['"`]?([A-Z_][A-Z0-9_]*)/gi,
];
// A bare Python KeyError names a variable only if the traceback also mentions environ.
const KEY_ERROR = /KeyError: '([A-Za-z_][A-Za-z0-9_]*)'/g;

export type EnvMention = { name: string; certain: boolean };

export function envNamesInOutput(output: string): EnvMention[] {
  const found = new Map<string, boolean>();
  for (const re of STRONG) for (const m of output.matchAll(re)) found.set(m[1], true);
  const mentionsEnviron = /environ|getenv|ENV\{/.test(output);
  for (const m of output.matchAll(KEY_ERROR)) if (!found.has(m[1])) found.set(m[1], mentionsEnviron);
  return [...found].map(([name, certain]) => ({ name, certain }));
}

export function checkMissingEnv(
  output: string,
  appEnv: Record<string, string>,
  loginEnv: Record<string, string> | null,
  user: string,
): DoctorFinding[] {
  const findings: DoctorFinding[] = [];
  for (const { name, certain } of envNamesInOutput(output)) {
    if (name in appEnv) continue;
    const inLogin = loginEnv !== null && name in loginEnv;
    if (!certain && !inLogin) continue;
    findings.push({
      code: "missing-env",
      severity: "error",
      title: `The app needs ${name}, which its environment lacks`,
      detail: inLogin
        ? `The app failed reading ${name}. It is set in ${user}'s interactive login shell (~/.profile, ~/.bashrc), which is why it works when run from a terminal, but the agent and the web server do not read those files.`
        : `The app failed reading ${name}, and it is not in the app's environment (nor in ${user}'s login shell).`,
      fix: `Add ${name} to env in the app spec.`,
    });
  }
  return findings;
}
