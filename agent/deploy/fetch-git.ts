// Fetches code from git: keeps a bare mirror of the source under deploy.root/repo, resolves a
// branch, tag or commit to a commit id, and exports that commit (without .git) into a release.
// Every git command runs as the app's user (the build step's identity), never the agent's own root:
// a hostile repository or transport then reaches only what the app itself could.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describeFailure, runCommand } from "./run-command";
import { unpackArchive } from "./unpack-archive";

export const GIT = "/usr/bin/git";
export type GitResult = { ok: true; output: string } | { ok: false; message: string; output: string };
/** Who git runs as: the app's user (uid/gid unset: the agent's own user, when it is not root). */
export type GitAs = { uid?: number; gid?: number; home?: string };
type GitOpts = { timeoutMs?: number; onOutput?: (c: string) => void; as?: GitAs; source?: string };

/** The environment git runs with: never prompts, never reads the host's or a user's config, no exotic transports. */
export function gitEnv(home?: string): Record<string, string> {
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: home ?? process.env.HOME ?? "/",
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

export async function git(args: string[], opts: GitOpts & { cwd?: string } = {}) {
  const trust = trustLocalSource(opts.source);
  try {
    return await runCommand([GIT, ...BASE, ...args], {
      cwd: opts.cwd ?? "/",
      env: { ...gitEnv(opts.as?.home), ...(trust ? { GIT_CONFIG_GLOBAL: trust.file } : {}) },
      uid: opts.as?.uid,
      gid: opts.as?.gid,
      timeoutMs: opts.timeoutMs ?? 120_000,
      onOutput: opts.onOutput,
    });
  } finally {
    if (trust) rmSync(trust.dir, { recursive: true, force: true });
  }
}

/**
 * A local source (the admin named its path in the spec) is usually owned by someone other than
 * the app's user, and git refuses it ("dubious ownership") unless the path is trusted in protected
 * config. `-c` does not reach the upload-pack git starts for a local clone (it clears
 * GIT_CONFIG_PARAMETERS), so the trust goes into a global config file of this call's own: in a
 * fresh root-made directory, readable by the app's user, naming that one repository and nothing else.
 */
function trustLocalSource(source: string | undefined): { dir: string; file: string } | null {
  if (!source) return null;
  const local = source.startsWith("file://") ? source.slice("file://".length) : source.startsWith("/") ? source : null;
  if (!local || /[\n\r"\\]/.test(local)) return null;
  let real = local;
  try {
    real = realpathSync(local);
  } catch {
    // Missing: git says so itself.
  }
  const dir = mkdtempSync(path.join(tmpdir(), "stoker-git-"));
  chmodSync(dir, 0o755);
  const file = path.join(dir, "config");
  const dirs = [...new Set([local, real])].map((d) => `\tdirectory = "${d}"\n`).join("");
  writeFileSync(file, `[safe]\n${dirs}[protocol "ext"]\n\tallow = never\n`, { mode: 0o644 });
  return { dir, file };
}

/** A location git must not read as an option (`-u...`): absolute paths become file:// URLs. */
export function gitLocation(source: string): string {
  return source.startsWith("/") ? `file://${source}` : source;
}

/** A directory the app's user owns (created, or handed over, by the agent; never through a link). */
function ownedDir(dir: string, as: GitAs | undefined): void {
  mkdirSync(dir, { recursive: true });
  if (as?.uid !== undefined) chownSync(dir, as.uid, as.gid ?? -1);
}

/** A mirror made by someone else (root, before git ran as the app's user) is a cache: start it again. */
function mirrorOwnedBy(mirror: string, as: GitAs | undefined): boolean {
  if (as?.uid === undefined) return true;
  try {
    const st = lstatSync(mirror);
    return st.isDirectory() && st.uid === as.uid && lstatSync(path.join(mirror, "HEAD")).uid === as.uid;
  } catch {
    return false;
  }
}

/**
 * What may be removed to make the mirror again: nothing there yet, or a bare mirror git made (its
 * config says `mirror = true`), or an empty directory, owned by root or by the app's user. deploy.root is any directory an
 * admin names, so anything else at <root>/repo is someone's data, which the root agent must not
 * delete: the fetch fails and says so.
 */
export function mirrorReplaceable(mirror: string, as: GitAs | undefined): { ok: true } | { ok: false; message: string } {
  const st = lstatSync(mirror, { throwIfNoEntry: false });
  if (!st) return { ok: true };
  const owners = new Set([0, as?.uid ?? process.getuid?.() ?? 0]);
  let config = "";
  try {
    config = st.isDirectory() ? readFileSync(path.join(mirror, "config"), "utf8") : "";
  } catch {
    // no config: not a mirror
  }
  const isMirror = /^\s*bare\s*=\s*true\s*$/m.test(config) && /^\s*mirror\s*=\s*true\s*$/m.test(config);
  // An empty directory is what a clone cut short (the agent killed) leaves before git wrote anything.
  if (st.isDirectory() && owners.has(st.uid) && (isMirror || readdirSync(mirror).length === 0)) return { ok: true };
  return {
    ok: false,
    message: `${mirror} exists and is not a git mirror Stoker made (the mirror of a git source lives at deploy.root/repo); it was left alone. Move it away, or choose another deploy.root.`,
  };
}

/** Creates or refreshes the bare mirror so every branch and tag of the source is known locally. */
export async function syncMirror(mirror: string, source: string, opts: GitOpts = {}): Promise<GitResult> {
  const url = gitLocation(source);
  if (!existsSync(path.join(mirror, "HEAD")) || !mirrorOwnedBy(mirror, opts.as)) {
    const replaceable = mirrorReplaceable(mirror, opts.as);
    if (!replaceable.ok) return { ok: false, message: replaceable.message, output: "" };
    rmSync(mirror, { recursive: true, force: true });
    mkdirSync(path.dirname(mirror), { recursive: true });
    // git clones into an empty directory the app's user owns; it needs no write access above it.
    ownedDir(mirror, opts.as);
    const r = await git(["clone", "--mirror", "--quiet", "--", url, mirror], { ...opts, source });
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
    source,
    cwd: mirror,
  });
  if (!r.ok) return { ok: false, message: explainGitFailure("Fetching from the repository", r.output, describeFailure("Fetching from the repository", r)), output: r.output };
  return { ok: true, output: r.output };
}

/** Resolves a branch, tag or (abbreviated) commit in the mirror to a full commit id. */
export async function resolveCommit(mirror: string, ref: string, as?: GitAs): Promise<{ ok: true; commit: string } | { ok: false; message: string }> {
  // Branch and tag names first, so a branch named like a hex prefix is not read as a commit.
  for (const candidate of [`refs/heads/${ref}`, `refs/tags/${ref}`, ref]) {
    const r = await git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${candidate}^{commit}`], { cwd: mirror, timeoutMs: 30_000, as });
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
  opts: { uid?: number; gid?: number; home?: string; onOutput?: (c: string) => void } = {},
): Promise<GitResult> {
  mkdirSync(scratch, { recursive: true });
  // A fresh directory of the app's user's own for git's output, not the shared scratch dir.
  const own = mkdtempSync(path.join(scratch, "export-"));
  const as: GitAs = { uid: opts.uid, gid: opts.gid, home: opts.home };
  try {
    ownedDir(own, as);
    const tarFile = path.join(own, `${commit}.tar`);
    const r = await git(["archive", "--format=tar", `--output=${tarFile}`, commit], { cwd: mirror, timeoutMs: 300_000, onOutput: opts.onOutput, as });
    if (!r.ok) return { ok: false, message: describeFailure("Exporting the commit", r), output: r.output };
    const u = await unpackArchive(tarFile, dest, opts); // as the app's user
    return u.ok ? { ok: true, output: `${u.entries} entries` } : { ok: false, message: u.message, output: u.output };
  } finally {
    rmSync(own, { recursive: true, force: true });
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
