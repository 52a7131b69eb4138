// Questions about the source repository for the dashboard: which branches and tags exist (a ref
// picker) and which commits lie between the live and a proposed release (message + author).
import { type CommitSummary, err, type GitRef, ok, type Result } from "../../lib/protocol";
import { explainGitFailure, type GitAs, git, gitLocation } from "./fetch-git";

/** Branches and tags of a repository, straight from the source (no mirror needed). */
export async function listRefs(source: string, timeoutMs = 30_000, as?: GitAs): Promise<Result<GitRef[]>> {
  const r = await git(["ls-remote", "--heads", "--tags", "--", gitLocation(source)], { timeoutMs, as, source });
  if (!r.ok) return err("FAILED", explainGitFailure("Listing the refs", r.output, "Listing the refs of the repository failed."), { detail: r.output });
  const byName = new Map<string, GitRef>();
  for (const line of r.output.split("\n")) {
    const m = /^([0-9a-f]{40,64})\trefs\/(heads|tags)\/(.+)$/.exec(line);
    if (!m) continue;
    const [, commit, kind, raw] = m;
    // An annotated tag is listed twice; the peeled `^{}` line holds the commit it points to.
    const peeled = raw.endsWith("^{}");
    const name = peeled ? raw.slice(0, -3) : raw;
    const key = `${kind}:${name}`;
    if (peeled || !byName.has(key)) byName.set(key, { name, kind: kind === "heads" ? "branch" : "tag", commit });
  }
  return ok([...byName.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name)));
}

const FIELD = "\x1f";
const RECORD = "\x1e";

/**
 * Commits reachable from `to` but not from `from` (what deploying `to` over `from` brings),
 * newest first, from the mirror. Both must be commit ids or names the mirror knows.
 */
export async function commitsBetween(mirror: string, from: string, to: string, limit = 200, as?: GitAs): Promise<Result<CommitSummary[]>> {
  for (const ref of [from, to]) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9._/+-]*$/.test(ref) || ref.includes("..")) return err("BAD_REQUEST", `"${ref}" is not a valid ref.`);
  }
  const format = ["%H", "%an", "%ae", "%aI", "%s"].join(FIELD) + RECORD;
  const r = await git(["log", `--max-count=${limit}`, `--format=${format}`, "--end-of-options", `${from}..${to}`, "--"], { cwd: mirror, timeoutMs: 30_000, as });
  if (!r.ok) return err("NOT_FOUND", "One of the refs is not known to the repository mirror; fetch first.", { detail: r.output });
  const commits = r.output
    .split(RECORD)
    .map((rec) => rec.replace(/^\n/, ""))
    .filter(Boolean)
    .map((rec) => {
      const [commit, author, email, date, message] = rec.split(FIELD);
      return { commit, author, email, date, message: message ?? "" };
    });
  return ok(commits);
}
