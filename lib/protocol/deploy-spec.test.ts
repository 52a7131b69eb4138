import { describe, expect, it } from "vitest";
import { AppSpecSchema } from "./app-spec";
import { DeploymentSchema, DeploySpecSchema, GitRefNameSchema, GitUrlSchema } from "./deploy-spec";

const example = {
  root: "/srv/hello",
  source: { git: "/srv/repos/hello.git", ref: "main" },
  build: [["/usr/bin/make", "build"]],
  shared: ["uploads", ".env"],
  keepReleases: 5,
  healthPath: "/health",
};

describe("DeploySpecSchema", () => {
  it("accepts the documented example and fills defaults for a minimal one", () => {
    expect(DeploySpecSchema.parse(example)).toEqual(example);
    expect(DeploySpecSchema.parse({ root: "/srv/a", source: { archive: true } })).toEqual({
      root: "/srv/a",
      source: { archive: true },
      build: [],
      shared: [],
      keepReleases: 5,
      healthPath: "/",
    });
  });

  it("is part of the app spec", () => {
    const spec = AppSpecSchema.parse({ name: "hello", hostId: "h1", command: ["/usr/bin/php-cgi"], socket: { path: "/run/x.sock" }, deploy: example });
    expect(spec.deploy?.root).toBe("/srv/hello");
    expect(AppSpecSchema.safeParse({ name: "hello", hostId: "h1", command: ["/x"], socket: { path: "/run/x.sock" }, deploy: { root: "/" } }).success).toBe(false);
  });

  it.each([
    "/srv/repos/hello.git",
    "file:///srv/repos/hello.git",
    "https://github.com/acme/hello.git",
    "http://git.internal:8080/acme/hello",
    "ssh://git@github.com/acme/hello.git",
    "git://git.internal/hello.git",
  ])("accepts the repository location %s", (url) => {
    expect(GitUrlSchema.safeParse(url).success).toBe(true);
  });

  it.each([
    "ext::sh -c touch% /tmp/pwned",
    "-uattack",
    "--upload-pack=touch /tmp/x",
    "git@github.com:acme/hello.git",
    "relative/repo",
    "/srv/../etc",
    "https://host/repo with space",
    "fd::3",
    "https://host/a\nb",
  ])("refuses the repository location %j", (url) => {
    expect(GitUrlSchema.safeParse(url).success).toBe(false);
  });

  it.each(["main", "v1.2.3", "feature/login", "0123abc", "release_2024"])("accepts the ref %s", (ref) => {
    expect(GitRefNameSchema.safeParse(ref).success).toBe(true);
  });

  it.each(["-x", "--all", "main..evil", "HEAD@{1}", "a b", "x/", "y.lock", ".hidden", "a//b", ""])("refuses the ref %j", (ref) => {
    expect(GitRefNameSchema.safeParse(ref).success).toBe(false);
  });

  it("refuses unsafe shared paths, relative build programs and out-of-range keepReleases", () => {
    for (const shared of [["../x"], ["/etc"], ["a/../b"], ["./x"], ["a//b"], ["x", "x"]]) {
      expect(DeploySpecSchema.safeParse({ ...example, shared }).success, JSON.stringify(shared)).toBe(false);
    }
    expect(DeploySpecSchema.safeParse({ ...example, build: [["make"]] }).success).toBe(false);
    expect(DeploySpecSchema.safeParse({ ...example, keepReleases: 0 }).success).toBe(false);
    expect(DeploySpecSchema.safeParse({ ...example, keepReleases: 51 }).success).toBe(false);
    expect(DeploySpecSchema.safeParse({ ...example, extra: 1 }).success).toBe(false);
    expect(DeploySpecSchema.safeParse({ ...example, source: { git: "/srv/r", archive: true } }).success).toBe(false);
  });
});

describe("DeploymentSchema", () => {
  it("round-trips a deployment with its steps and refuses an unknown step", () => {
    const d = {
      id: "d1",
      appId: "a1",
      status: "failed",
      ref: "v3",
      commit: "abc",
      release: "20260101000000-abc",
      message: "The build failed.",
      steps: [{ name: "fetch", status: "ok", output: "", startedAt: "2026-01-01T00:00:00Z", endedAt: "2026-01-01T00:00:01Z" }],
    };
    expect(DeploymentSchema.parse(d)).toEqual(d);
    expect(DeploymentSchema.safeParse({ ...d, steps: [{ ...d.steps[0], name: "deploy" }] }).success).toBe(false);
  });
});
