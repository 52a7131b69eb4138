// Turns a templated app spec into the concrete spec of one release: every `{release}` in cwd,
// command, env and fastcgiParams becomes the release's real path (never `current`), so a
// process keeps the code it started with even after `current` moves on.
import { realpathSync } from "node:fs";
import { type AppSpec, mapEnvStrings, plainEnv } from "../../lib/protocol";

const PLACEHOLDER = /\{release\}/g;

const fill = (value: string, release: string) => value.replace(PLACEHOLDER, release);
const fillRecord = (rec: Record<string, string>, release: string) =>
  Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, fill(v, release)]));

/** True if the spec refers to a release at all (otherwise a deployment only swaps files). */
export function usesRelease(spec: AppSpec): boolean {
  const values = [spec.cwd ?? "", ...spec.command, ...Object.values(plainEnv(spec.env)), ...Object.values(spec.fastcgiParams)];
  return values.some((v) => v.includes("{release}"));
}

export function resolveRelease(spec: AppSpec, releaseDir: string): AppSpec {
  // The real path: a deploy.root reached through a symlink must not change under a running process.
  const release = realpathSync.native(releaseDir);
  return {
    ...spec,
    cwd: spec.cwd === undefined ? undefined : fill(spec.cwd, release),
    command: spec.command.map((a) => fill(a, release)),
    env: mapEnvStrings(spec.env, (v) => fill(v, release)), // a secret stays marked secret
    fastcgiParams: fillRecord(spec.fastcgiParams, release),
  };
}
