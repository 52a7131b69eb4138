// Fetches code from git: keeps a bare mirror of the source under deploy.root/repo, resolves a
// branch, tag or commit to a commit id, and exports that commit (without .git) into a release.
import { existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { describeFailure, runCommand } from "./run-command";
import { unpackArchive } from "./unpack-archive";

export const GIT = "/usr/bin/git";
export type GitResult = { ok: true; output: string } | { ok: false; message: string; output: string };

/** The environment git runs with: never prompts, never reads the host's or a user's config, no exotic transports. */
export function gitEnv(): Record<string, string> {
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: process.env.HOME ?? "/root",
    LANG: "C.UTF-8",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "/bin/false",
    SSH_ASKPASS: "/bin/false",
    GIT_SSH_COMMAND: "ssh -o BatchMode=yes -o ConnectTimeout=15",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_ALLOW_PROTOCOL: "file:http:https:ssh:git",
  };
}

// `-c` options every call gets: refuse `ext::`, and trust the mirror although the agent may not own it.
const BASE = ["-c", "protocol.ext.allow=never", "-c", "safe.directory=*", "-c", "core.hooksPath=/dev/null"];

export async function git(args: string[], opts: { cwd?: string; timeoutMs?: number; onOutput?: (c: string) => void } = {}) {
  return runCommand([GIT, ...BASE, ...args], {
    cwd: opts.cwd ?? "/",
    env: gitEnv(),
    timeoutMs: opts.timeoutMs ?? 120_000,
    onOutput: opts.onOutput,
  });
}

/** A location git must not read as an option (`-u...`): absolute paths become file:// URLs. */
export function gitLocation(source: string): string {
  return source.startsWith("/") ? `file://${source}` : source;
}

/** Creates or refreshes the bare mirror so every branch and tag of the source is known locally. */
export async function syncMirror(mirror: string, source: string, opts: { timeoutMs?: number; onOutput?: (c: string) => void } = {}): Promise<GitResult> {
  const url = gitLocation(source);
  if (!existsSync(path.join(mirror, "HEAD"))) {
    rmSync(mirror, { recursive: true, force: true });
    mkdirSync(path.dirname(mirror), { recursive: true });
    const r = await git(["clone", "--mirror", "--quiet", "--", url, mirror], opts);
    if (!r.ok) {
      rmSync(mirror, { recursive: true, force: true });
      return { ok: false, message: explainGitFailure("Cloning the repository", r.output, describeFailure("Cloning the repository", r)), output: r.output };
    }
    return { ok: true, output: r.output };
  }
  // The source may have changed in the spec since the mirror was made.
  const set = await git(["remote", "set-url", "origin", "--", url], { ...opts, cwd: mirror });
  if (!set.ok) return { ok: false, message: describeFailure("Updating the mirror's source", set), output: set.output };
  const r = await git(["fetch", "--prune", "--prune-tags", "--force", "--quiet", "origin", "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"], {
    ...opts,
    cwd: mirror,
  });
  if (!r.ok) return { ok: false, message: explainGitFailure("Fetching from the repository", r.output, describeFailure("Fetching from the repository", r)), output: r.output };
  return { ok: true, output: r.output };
}

/** Resolves a branch, tag or (abbreviated) commit in the mirror to a full commit id. */
export async function resolveCommit(mirror: string, ref: string): Promise<{ ok: true; commit: string } | { ok: false; message: string }> {
  // Branch and tag names first, so a branch named like a hex prefix is not read as a commit.
  for (const candidate of [`refs/heads/${ref}`, `refs/tags/${ref}`, ref]) {
    const r = await git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${candidate}^{commit}`], { cwd: mirror, timeoutMs: 30_000 });
    const commit = r.output.trim();
    if (r.ok && /^[0-9a-f]{40,64}$/.test(commit)) return { ok: true, commit };
  }
  return { ok: false, message: `The repository has no branch, tag or commit named "${ref}".` };
}

/** Writes the commit's tree into an empty release directory, through the same safe unpacker as uploads. */
export async function exportCommit(
  mirror: string,
  commit: string,
  dest: string,
  scratch: string,
  opts: { uid?: number; gid?: number; onOutput?: (c: string) => void } = {},
): Promise<GitResult> {
  mkdirSync(scratch, { recursive: true });
  const tarFile = path.join(scratch, `${commit}.tar`);
  try {
    const r = await git(["archive", "--format=tar", `--output=${tarFile}`, commit], { cwd: mirror, timeoutMs: 300_000, onOutput: opts.onOutput });
    if (!r.ok) return { ok: false, message: describeFailure("Exporting the commit", r), output: r.output };
    const u = await unpackArchive(tarFile, dest, opts); // as the app's user
    return u.ok ? { ok: true, output: `${u.entries} entries` } : { ok: false, message: u.message, output: u.output };
  } finally {
    rmSync(tarFile, { force: true });
  }
}

/** Turns git's stderr into a message for the dashboard (the raw text stays in the step output). */
export function explainGitFailure(what: string, output: string, fallback: string): string {
  if (/No space left on device/i.test(output)) return `${what} failed: the disk is full (no space left on device).`;
  if (/does not appear to be a git repository|repository .* not found|not found|does not exist/i.test(output)) {
    return `${what} failed: the repository was not found at that location.`;
  }
  if (/Could not resolve host|Connection refused|timed out|unable to access|Could not read from remote/i.test(output)) {
    return `${what} failed: the repository could not be reached from this host.`;
  }
  if (/Authentication failed|Permission denied|terminal prompts disabled/i.test(output)) {
    return `${what} failed: the host has no access to this repository.`;
  }
  return fallback;
}
