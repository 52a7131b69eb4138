import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mirrorReplaceable, resolveCommit, syncMirror } from "./fetch-git";
import { commitsBetween, listRefs } from "./git-refs";
import { type GitFixture, makeGitRepo } from "./testing/git-fixture";

const tmp = mkdtempSync(path.join(tmpdir(), "stoker-gitrefs-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let repo: GitFixture;
const commits: string[] = [];
const mirror = path.join(tmp, "mirror");

beforeAll(() => {
  repo = makeGitRepo(tmp);
  commits.push(repo.commit({ "a.txt": "1" }, "First version", "v1"));
  commits.push(repo.commit({ "a.txt": "2" }, "Fix the greeting"));
  commits.push(repo.commit({ "a.txt": "3" }, "Second version", "v2"));
});

describe("listRefs", () => {
  it("lists branches and tags with the commit an annotated tag points to", async () => {
    const r = await listRefs(repo.bare);
    expect(r.ok && r.value).toEqual([
      { name: "main", kind: "branch", commit: commits[2] },
      { name: "v1", kind: "tag", commit: commits[0] },
      { name: "v2", kind: "tag", commit: commits[2] },
    ]);
  });

  it("explains an unreachable repository", async () => {
    const r = await listRefs(path.join(tmp, "nope.git"));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/not found|could not be reached/);
  });
});

describe("mirror, resolveCommit and commitsBetween", () => {
  it("resolves tags, branches and short commits, and refuses unknown refs", async () => {
    expect((await syncMirror(mirror, repo.bare)).ok).toBe(true);
    expect(await resolveCommit(mirror, "v1")).toEqual({ ok: true, commit: commits[0] });
    expect(await resolveCommit(mirror, "main")).toEqual({ ok: true, commit: commits[2] });
    expect(await resolveCommit(mirror, commits[1].slice(0, 10))).toEqual({ ok: true, commit: commits[1] });
    const unknown = await resolveCommit(mirror, "v9");
    expect(unknown.ok).toBe(false);
  });

  it("lists the commits between the live and the proposed release, newest first, with author", async () => {
    const r = await commitsBetween(mirror, "v1", "v2");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.map((c) => c.message)).toEqual(["Second version", "Fix the greeting"]);
    expect(r.value[0]).toMatchObject({ commit: commits[2], author: "Ada Lovelace", email: "ada@example.test" });
    expect((await commitsBetween(mirror, "v2", "v1")).ok && (await commitsBetween(mirror, "v2", "v1"))).toMatchObject({ value: [] });
    expect((await commitsBetween(mirror, "--all", "v1")).ok).toBe(false);
  });

  it("picks up new commits on the next sync", async () => {
    const v3 = repo.commit({ "a.txt": "4" }, "Third", "v3");
    expect((await syncMirror(mirror, repo.bare)).ok).toBe(true);
    expect(await resolveCommit(mirror, "v3")).toEqual({ ok: true, commit: v3 });
  });
});

describe("what is at deploy.root/repo", () => {
  it("is never deleted unless it is a git mirror (or empty): the root agent leaves other data alone", async () => {
    // deploy.root is any directory an admin names; someone's own directory called repo sits there.
    const theirs = path.join(tmp, "someone", "repo");
    mkdirSync(path.join(theirs, "src"), { recursive: true });
    writeFileSync(path.join(theirs, "src", "precious.txt"), "keep me\n");
    const r = await syncMirror(theirs, repo.bare);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain("left alone");
    expect(readFileSync(path.join(theirs, "src", "precious.txt"), "utf8")).toBe("keep me\n");
    // A plain (non-mirror) clone is someone's work tree too.
    const clone = path.join(tmp, "clone");
    expect(mirrorReplaceable(clone, undefined).ok).toBe(true); // nothing there yet
    mkdirSync(clone);
    expect(mirrorReplaceable(clone, undefined).ok).toBe(true); // an empty dir a cut-short clone left
    writeFileSync(path.join(clone, "config"), "[core]\n\tbare = false\n");
    expect(mirrorReplaceable(clone, undefined).ok).toBe(false);
    // A mirror Stoker made is still refreshed, and remade when its HEAD is gone.
    expect((await syncMirror(mirror, repo.bare)).ok).toBe(true);
    expect(mirrorReplaceable(mirror, undefined).ok).toBe(true);
    rmSync(path.join(mirror, "HEAD"));
    expect((await syncMirror(mirror, repo.bare)).ok).toBe(true);
    expect(existsSync(path.join(mirror, "HEAD"))).toBe(true);
  });
});
