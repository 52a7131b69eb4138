// Runs the build commands of a release (argv arrays, one after the other) as the app's user, in
// the release directory, with the app's environment; output streams live as it comes.
import { type AppSpec, resolveRunAs } from "../../lib/protocol";
import { appEnv } from "../supervisor/app-env";
import { currentUser, lookupGroup, lookupUser } from "../supervisor/users";
import { describeFailure, runCommand } from "./run-command";

export type BuildIdentity = { uid?: number; gid?: number; env: Record<string, string> };
export type BuildResult = { ok: true; output: string } | { ok: false; message: string; output: string };

/** Who the build runs as: the app's user when the agent is root, else the agent's own user; uid 0 only with the owner's approval. */
export function buildIdentity(spec: AppSpec, rootApproved = false): { ok: true; value: BuildIdentity } | { ok: false; message: string } {
  const me = currentUser();
  const runAs = resolveRunAs({ purpose: "build", user: spec.user, agent: me, lookupUid: (n) => lookupUser(n)?.uid ?? null, rootApproved });
  if (!runAs.ok) return runAs;
  const name = runAs.user;
  const user = lookupUser(name);
  if (!user) return { ok: false, message: `No user named "${name}" exists on this host.` };
  if (me.uid !== 0 && user.uid !== me.uid) return { ok: false, message: `The agent runs as "${me.name}", not root, so it cannot build as "${name}".` };
  let gid = user.gid;
  if (spec.group) {
    const group = lookupGroup(spec.group);
    if (!group) return { ok: false, message: `No group named "${spec.group}" exists on this host.` };
    gid = group.gid;
  }
  const env = appEnv({ name, home: user.home }, spec.env);
  return { ok: true, value: me.uid === 0 ? { uid: user.uid, gid, env } : { env } };
}

export async function runBuild(
  commands: string[][],
  releaseDir: string,
  who: BuildIdentity,
  opts: { timeoutMs?: number; onOutput?: (chunk: string) => void } = {},
): Promise<BuildResult> {
  let output = "";
  for (const argv of commands) {
    const line = `$ ${argv.join(" ")}\n`;
    output += line;
    opts.onOutput?.(line);
    const r = await runCommand(argv, { cwd: releaseDir, env: who.env, uid: who.uid, gid: who.gid, timeoutMs: opts.timeoutMs ?? 900_000, onOutput: opts.onOutput });
    output = (output + r.output).slice(-64 * 1024);
    if (!r.ok) return { ok: false, message: describeFailure(`The build command "${argv.join(" ")}"`, r), output };
  }
  return { ok: true, output };
}
