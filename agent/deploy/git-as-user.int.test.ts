// git fetch, rev-parse and archive run as the app's user (the build step's identity), never as the
// agent's root: a real bare repository on disk, a real deployment up to its build, and a repository
// only root can read, which the app's user, and so the deployment, must fail to fetch.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppSpec, AppSpecSchema, err, type Result } from "../../lib/protocol";
import { lookupUser } from "../supervisor/users";
import { buildIdentity } from "./build-steps";
import { exportCommit, syncMirror } from "./fetch-git";
import { listRefs } from "./git-refs";
import { releaseLayout } from "./releases";
import { type DeploymentHooks, runDeployment } from "./run-deployment";
import { type GitFixture, makeGitRepo } from "./testing/git-fixture";

const asRoot = process.getuid?.() === 0;
const tmp = mkdtempSync(path.join(tmpdir(), "stoker-gituser-"));
chmodSync(tmp, 0o755);
const nobody = lookupUser("nobody");
let repo: GitFixture;
let hidden: GitFixture;

function spec(root: string, source: string): AppSpec {
  return AppSpecSchema.parse({
    name: "gituser",
    hostId: "h1",
    user: "nobody",
    command: ["/bin/sleep", "600"],
    cwd: "{release}",
    socket: { path: path.join(tmp, "gituser.sock") },
    ready: { probe: "none" },
    deploy: { root, source: { git: source, ref: "main" }, build: [["/bin/sh", "-c", "id -u > BUILT_BY"]] },
  });
}

/** Stops after the build: what the test inspects is the release as fetch and build left it. */
function inspectingHooks(seen: { fetchOwner?: number; files?: Record<string, number>; builtBy?: string }, layout: ReturnType<typeof releaseLayout>): DeploymentHooks {
  return {
    startAndCheck: async (): Promise<Result<unknown>> => err("FAILED", "stopped by the test after the build"),
    onStep: (step, d) => {
      if (step.status !== "ok" || !d.release) return;
      const dir = path.join(layout.releases, d.release);
      if (step.name === "fetch") {
        seen.fetchOwner = statSync(dir).uid;
        seen.files = Object.fromEntries(readdirSync(dir).map((f) => [f, statSync(path.join(dir, f)).uid]));
      }
      if (step.name === "build") seen.builtBy = readFileSync(path.join(dir, "BUILT_BY"), "utf8").trim();
    },
  };
}

beforeAll(() => {
  repo = makeGitRepo(path.join(tmp, "open"));
  repo.commit({ "index.php": "<?php echo 1;", "lib/a.txt": "a" }, "First", "v1");
  // A repository only root can read: what git running as root would fetch, and the app's user cannot.
  const closed = path.join(tmp, "closed");
  hidden = makeGitRepo(closed);
  hidden.commit({ "secret.txt": "root only" }, "Hidden");
  chmodSync(closed, 0o700);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!asRoot || !nobody)("git runs as the app's user", () => {
  it("fetches, resolves and exports as the app's user: mirror, release and build all theirs", async () => {
    const root = path.join(tmp, "srv");
    const layout = releaseLayout(root);
    // A mirror an older agent made as root: git as the app's user could not write it, so it is remade.
    mkdirSync(root, { recursive: true });
    execFileSync("/usr/bin/git", ["clone", "--mirror", "--quiet", repo.bare, layout.mirror]);
    expect(statSync(layout.mirror).uid).toBe(0);

    const seen: { fetchOwner?: number; files?: Record<string, number>; builtBy?: string } = {};
    const d = await runDeployment({ appId: "gituser", spec: spec(root, repo.bare) }, inspectingHooks(seen, layout));
    expect(d.steps.find((s) => s.name === "fetch")?.status, d.message).toBe("ok");
    expect(seen.fetchOwner).toBe(nobody?.uid);
    expect(seen.files).toEqual({ "index.php": nobody?.uid, lib: nobody?.uid });
    expect(seen.builtBy).toBe(String(nobody?.uid));
    // Everything git wrote in the mirror is the app user's (a root git would leave root's files).
    const owners = new Set(execFileSync("/usr/bin/find", [layout.mirror, "-printf", "%U\n"], { encoding: "utf8" }).trim().split("\n"));
    expect([...owners]).toEqual([String(nobody?.uid)]);
    // Nothing was left in the scratch dir.
    expect(readdirSync(layout.incoming).length).toBe(0);
  });

  it("cannot fetch a repository only root can read: the deployment fails at fetch", async () => {
    const root = path.join(tmp, "srv-hidden");
    const d = await runDeployment({ appId: "gituser-hidden", spec: spec(root, hidden.bare) }, inspectingHooks({}, releaseLayout(root)));
    expect(d.status).toBe("failed");
    expect(d.steps.find((s) => s.name === "fetch")?.status).toBe("failed");
    expect(d.message).toMatch(/not found|could not be reached|no access/);
    // The same repository is readable by root: it is the user, not the repository, that failed.
    expect((await syncMirror(path.join(tmp, "root-mirror"), hidden.bare)).ok).toBe(true);
  });

  it("lists refs and exports as the app's user too", async () => {
    const who = buildIdentity(spec(path.join(tmp, "x"), repo.bare));
    expect(who.ok).toBe(true);
    if (!who.ok) return;
    const as = { uid: who.value.uid, gid: who.value.gid, home: who.value.env.HOME };
    expect((await listRefs(repo.bare, 30_000, as)).ok).toBe(true);
    expect((await listRefs(hidden.bare, 30_000, as)).ok).toBe(false);
    const mirror = path.join(tmp, "m2");
    expect((await syncMirror(mirror, repo.bare, { as })).ok).toBe(true);
    const dest = path.join(tmp, "export");
    mkdirSync(dest);
    const commit = execFileSync("/usr/bin/git", ["-C", mirror, "-c", "safe.directory=*", "rev-parse", "main"], { encoding: "utf8" }).trim();
    expect((await exportCommit(mirror, commit, dest, path.join(tmp, "scratch"), as)).ok).toBe(true);
    expect(statSync(path.join(dest, "index.php")).uid).toBe(nobody?.uid);
  });
});
