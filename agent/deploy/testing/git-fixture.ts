// Test support: a real bare git repository in a temp dir, filled commit by commit (each one a
// full tree of files, optionally tagged), the way a team would push versions of an app.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const ENV: Record<string, string> = {
  PATH: "/usr/bin:/bin",
  HOME: "/nonexistent",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Ada Lovelace",
  GIT_AUTHOR_EMAIL: "ada@example.test",
  GIT_COMMITTER_NAME: "Ada Lovelace",
  GIT_COMMITTER_EMAIL: "ada@example.test",
};

function git(cwd: string, args: string[]): string {
  return execFileSync("/usr/bin/git", args, { cwd, env: ENV as NodeJS.ProcessEnv, encoding: "utf8" }).trim();
}

export type GitFixture = { bare: string; commit(files: Record<string, string>, message: string, tag?: string): string };

export function makeGitRepo(dir: string): GitFixture {
  const bare = path.join(dir, "app.git");
  const work = path.join(dir, "work");
  mkdirSync(work, { recursive: true });
  git(dir, ["init", "--quiet", "--bare", "--initial-branch=main", bare]);
  git(work, ["init", "--quiet", "--initial-branch=main"]);
  git(work, ["remote", "add", "origin", bare]);
  return {
    bare,
    commit(files, message, tag) {
      for (const name of readdirSync(work)) if (name !== ".git") rmSync(path.join(work, name), { recursive: true, force: true });
      for (const [name, content] of Object.entries(files)) {
        const file = path.join(work, name);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, content);
        if (name.endsWith(".sh")) chmodSync(file, 0o755);
      }
      git(work, ["add", "--all"]);
      git(work, ["commit", "--quiet", "-m", message]);
      if (tag) git(work, ["tag", "-a", tag, "-m", `release ${tag}`]);
      git(work, ["push", "--quiet", "--follow-tags", "origin", "main"]);
      return git(work, ["rev-parse", "HEAD"]);
    },
  };
}
