import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppSpec, AppSpecSchema, type DeploymentStep, err, ok, type Result } from "../../lib/protocol";
import { currentRelease, listReleases, releaseLayout } from "./releases";
import { type DeploymentHooks, runDeployment } from "./run-deployment";
import { rollbackTo } from "./switch-release";
import { type FakeFastcgi, startFakeFastcgi } from "./testing/fake-fastcgi";
import { type GitFixture, makeGitRepo } from "./testing/git-fixture";

// The process side is faked (a FastCGI responder the test controls); git, files and the
// health request are real.
const tmp = mkdtempSync(path.join(tmpdir(), "stoker-rundeploy-"));
const socket = path.join(tmp, "app.sock");
let repo: GitFixture;
let app: FakeFastcgi;
let health = 200;

beforeAll(async () => {
  repo = makeGitRepo(tmp);
  repo.commit({ "index.php": "v1" }, "v1", "v1");
  repo.commit({ "index.php": "v2", "Makefile": "x" }, "v2", "v2");
  app = await startFakeFastcgi(socket, (p) => (p.PATH_INFO === "/health" ? { status: health, body: "health" } : { status: 200, body: "page" }));
});
afterAll(async () => {
  await app.close();
  rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
function makeSpec(extra: Record<string, unknown> = {}): AppSpec {
  return AppSpecSchema.parse({
    name: "hello",
    hostId: "h1",
    command: ["/usr/bin/php-cgi"],
    cwd: "{release}",
    socket: { path: socket },
    ...(process.getuid?.() === 0 ? { user: "root" } : {}),
    fastcgiParams: { SCRIPT_FILENAME: "{release}/index.php" },
    deploy: { root: path.join(tmp, `root-${++n}`), source: { git: repo.bare, ref: "v1" }, healthPath: "/health", keepReleases: 2, ...extra },
  });
}

function fakeHooks(answers: Result<unknown>[] = []) {
  const started: AppSpec[] = [];
  const steps: DeploymentStep[] = [];
  const hooks: DeploymentHooks = {
    startAndCheck: async (spec) => {
      started.push(spec);
      return answers.shift() ?? ok([{ pid: 1 }]);
    },
    onStep: (s) => steps.push(s),
  };
  return { hooks, started, steps };
}

describe("runDeployment", () => {
  it("fetches, starts the resolved spec, passes health, switches current and reports every step", async () => {
    health = 200;
    const spec = makeSpec();
    const { hooks, started, steps } = fakeHooks();
    const d = await runDeployment({ rootApproved: true, appId: "a1", spec }, hooks);
    expect(d.status).toBe("succeeded");
    expect(d.steps.map((s) => `${s.name}:${s.status}`)).toEqual(["fetch:ok", "build:skipped", "start:ok", "health:ok", "switch:ok", "stop-old:ok", "prune:ok"]);
    const layout = releaseLayout(spec.deploy!.root);
    expect(currentRelease(layout)).toBe(d.release);
    expect(d.release).toMatch(new RegExp(`^\\d{17}-${d.commit.slice(0, 7)}$`));
    expect(started[0].fastcgiParams.SCRIPT_FILENAME).toBe(path.join(layout.releases, d.release, "index.php"));
    expect(started[0].ready.path).toBe("/health"); // readiness already asks the health path
    expect(steps.filter((s) => s.name === "switch").map((s) => s.status)).toEqual(["running", "ok"]);
  });

  it("fails the build step with its output and keeps the live release", async () => {
    const spec = makeSpec({ build: [["/bin/sh", "-c", "echo compiling; echo broken >&2; exit 3"]] });
    const first = await runDeployment({ rootApproved: true, appId: "a1", spec: { ...spec, deploy: { ...spec.deploy!, build: [] } } }, fakeHooks().hooks);
    const { hooks, started } = fakeHooks();
    const d = await runDeployment({ rootApproved: true, appId: "a1", spec, ref: "v2" }, hooks);
    const build = d.steps.find((s) => s.name === "build")!;
    expect(d.status).toBe("failed");
    expect(build.status).toBe("failed");
    expect(build.output).toContain("compiling");
    expect(build.output).toContain("broken");
    expect(d.message).toMatch(/exit code 3/);
    expect(d.steps.slice(2).every((s) => s.status === "skipped")).toBe(true);
    expect(started).toEqual([]);
    const layout = releaseLayout(spec.deploy!.root);
    expect(currentRelease(layout)).toBe(first.release);
    expect(listReleases(layout)).toEqual([first.release]); // the failed release is gone
  });

  it("brings the previous generation back when the new one fails the health check", async () => {
    const spec = makeSpec();
    health = 200;
    const first = await runDeployment({ rootApproved: true, appId: "a1", spec }, fakeHooks().hooks);
    health = 404; // readiness (<500) would pass this; the health gate wants 2xx
    const { hooks, started } = fakeHooks();
    const d = await runDeployment({ rootApproved: true, appId: "a1", spec, ref: "v2" }, hooks);
    health = 200;
    expect(d.status).toBe("failed");
    expect(d.steps.find((s) => s.name === "health")?.status).toBe("failed");
    expect(d.message).toMatch(/answered 404.*previous release is serving again/);
    expect(started).toHaveLength(2);
    expect(started[1].fastcgiParams.SCRIPT_FILENAME).toContain(first.release);
    expect(currentRelease(releaseLayout(spec.deploy!.root))).toBe(first.release);
  });

  it("reports the new processes' output when they do not start", async () => {
    const spec = makeSpec();
    const failed = err("FAILED", "Restart failed, the old processes keep serving: new process 42 exited while starting", {
      detail: { newProcesses: [{ pid: 42, output: "PHP Fatal error: Uncaught RuntimeException" }] },
    });
    const { hooks } = fakeHooks([failed]);
    const d = await runDeployment({ rootApproved: true, appId: "a1", spec }, hooks);
    const start = d.steps.find((s) => s.name === "start")!;
    expect(start.status).toBe("failed");
    expect(start.output).toContain("--- new process 42 ---\nPHP Fatal error: Uncaught RuntimeException");
    expect(d.message).toContain("exited while starting");
  });

  it("fails the fetch step for an unknown ref and for an unreachable repository", async () => {
    const unknown = await runDeployment({ rootApproved: true, appId: "a1", spec: makeSpec(), ref: "v99" }, fakeHooks().hooks);
    expect(unknown.steps[0]).toMatchObject({ name: "fetch", status: "failed" });
    expect(unknown.message).toBe('The repository has no branch, tag or commit named "v99".');
    const gone = await runDeployment({ rootApproved: true, appId: "a1", spec: makeSpec({ source: { git: path.join(tmp, "missing.git"), ref: "main" } }) }, fakeHooks().hooks);
    expect(gone.message).toMatch(/^Cloning the repository failed: the repository (was not found|could not be reached)/);
    const bad = await runDeployment({ rootApproved: true, appId: "a1", spec: makeSpec(), ref: "--upload-pack=x" }, fakeHooks().hooks);
    expect(bad.message).toMatch(/not a valid branch/);
  });

  it("rolls back automatically when the new release crash-loops right after the switch", async () => {
    const spec = makeSpec();
    const first = await runDeployment({ rootApproved: true, appId: "a1", spec }, fakeHooks().hooks);
    let restarts = 0;
    const { hooks, started } = fakeHooks();
    hooks.crashWatch = { windowMs: 2000, maxRestarts: 2, pollMs: 10, readRestarts: () => restarts++ };
    const d = await runDeployment({ rootApproved: true, appId: "a1", spec, ref: "v2" }, hooks);
    expect(d.status).toBe("rolled-back");
    expect(d.message).toMatch(new RegExp(`rolled back to ${first.release}`));
    expect(currentRelease(releaseLayout(spec.deploy!.root))).toBe(first.release);
    expect(started.at(-1)?.fastcgiParams.SCRIPT_FILENAME).toContain(first.release);
    expect(existsSync(path.join(releaseLayout(spec.deploy!.root).releases, d.release))).toBe(true); // kept for inspection
  });

  it("keeps only keepReleases releases", async () => {
    const spec = makeSpec();
    const names: string[] = [];
    for (const ref of ["v1", "v2", "v1"]) names.push((await runDeployment({ rootApproved: true, appId: "a1", spec, ref }, fakeHooks().hooks)).release);
    expect(readdirSync(releaseLayout(spec.deploy!.root).releases).sort()).toEqual(names.slice(1).sort());
  }, 30_000); // three unpacks, each in a worker process (from source: under tsx)
});

describe("rollbackTo", () => {
  it("refuses a release that is not kept", async () => {
    const d = await rollbackTo({ appId: "a1", spec: makeSpec(), release: "20200101000000000-gone" }, fakeHooks().hooks);
    expect(d.status).toBe("failed");
    expect(d.message).toMatch(/no kept release/);
  });
});
