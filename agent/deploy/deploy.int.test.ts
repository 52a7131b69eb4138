// Deployments end to end: a real bare git repository, real php-cgi processes under a real
// Supervisor on an agent-owned Unix socket, and FastCGI load straight to that socket while
// releases are deployed, refused and rolled back. No request may fail at any point.
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppSpec, AppSpecSchema, type Deployment, type DesiredApp, type Result } from "../../lib/protocol";
import { fastcgiRequest } from "../fastcgi/client";
import { cgiParams, parseCgiResponse } from "../fastcgi/http-response";
import { Supervisor } from "../supervisor/supervisor";
import { currentRelease, listReleases, releaseLayout } from "./releases";
import { type DeploymentHooks, runDeployment } from "./run-deployment";
import { rollbackTo } from "./switch-release";
import { RUN_AS } from "../../test/support/fixture-apps";
import { type GitFixture, makeGitRepo } from "./testing/git-fixture";
import { writeTarGz } from "./testing/make-tar";

const tmp = mkdtempSync(path.join(tmpdir(), "stoker-deployint-"));
chmodSync(tmp, 0o755);
const supervisor = new Supervisor({ stateDir: path.join(tmp, "state"), socketDirs: [tmp] });
let repo: GitFixture;

// The same index.php in every version: it names the release its *process* was started from
// (APP_RELEASE is `{release}`), so a response shows which generation answered.
const INDEX = `<?php
header('Content-Type: text/plain');
$rel = getenv('APP_RELEASE');
if (($_SERVER['REQUEST_URI'] ?? '') === '/health' && file_exists("$rel/UNHEALTHY")) { http_response_code(503); echo "unhealthy"; return; }
echo trim(file_get_contents("$rel/VERSION")), ' built=', file_exists("$rel/BUILT") ? 'yes' : 'no';
`;
const START = '#!/bin/sh\nexec /usr/bin/php-cgi "$@"\n';
const CRASH = '#!/bin/sh\necho "v3: cannot start, DATABASE_URL is not set" >&2\nexit 1\n';
// Starts, passes the health gate, then crashes (killed by a signal) two seconds later, every time: a
// crash loop after the switch. Not TERM: php-cgi handles it by exiting 0, a planned exit (a recycle).
const CRASH_LATER = '#!/bin/sh\n(sleep 2; kill -KILL $$) &\nexec /usr/bin/php-cgi "$@"\n';

function appSpec(name: string, deploy: Record<string, unknown>, command = ["{release}/start.sh"]): AppSpec {
  return AppSpecSchema.parse({
    name,
    hostId: "h1",
    command,
    cwd: "{release}",
    // php-cgi at its defaults: after 500 requests a process exits and the agent recycles it.
    env: { PHP_FCGI_CHILDREN: "0", APP_RELEASE: "{release}" },
    processes: 2,
    socket: { path: path.join(tmp, `${name}.sock`) },
    ...RUN_AS,
    fastcgiParams: { SCRIPT_FILENAME: "{release}/index.php" },
    ready: { timeoutMs: 5000 },
    deploy: { keepReleases: 2, healthPath: "/health", ...deploy },
  });
}

/** The process side, as the supervisor will do it: a rolling restart of the app onto the new spec. */
function hooksFor(appId: string, extra: Partial<DeploymentHooks> = {}): DeploymentHooks {
  let revision = 0;
  return {
    startAndCheck: async (spec): Promise<Result<unknown>> => {
      const next: DesiredApp = { appId, revision: ++revision + Date.now(), desired: "running", spec, rootApproved: true };
      const runner = supervisor.apps.get(appId);
      if (!runner) return supervisor.put(next);
      return runner.serialize(() => runner.restart(next));
    },
    stopNew: async () => {
      const runner = supervisor.apps.get(appId);
      if (runner) await runner.serialize(() => runner.stop());
    },
    runningSpec: () => supervisor.apps.get(appId)?.desired.spec ?? null,
    ...extra,
  };
}

type Answer = { startedAt: number; ok: boolean; body: string };

/** What a web server would send: SCRIPT_FILENAME through `current`, as a rendered config has it. */
async function get(socketPath: string, root: string, uri = "/"): Promise<{ status: number; body: string }> {
  const params = cgiParams({ method: "GET", path: uri, extra: { SCRIPT_FILENAME: path.join(root, "current", "index.php") } });
  const res = await fastcgiRequest({ path: socketPath }, params, undefined, 5000);
  const parsed = parseCgiResponse(res.stdout);
  return { status: parsed.status, body: parsed.body.toString() };
}

/** Runs `action` while 4 workers keep requesting; bounded by count and by the action's end. */
async function underLoad<T>(socketPath: string, root: string, action: () => Promise<T>): Promise<{ result: T; answers: Answer[] }> {
  const answers: Answer[] = [];
  let done = false;
  const worker = async () => {
    for (let i = 0; i < 5000 && !done; i++) {
      const startedAt = Date.now();
      try {
        const r = await get(socketPath, root);
        answers.push({ startedAt, ok: r.status === 200, body: r.body });
      } catch (e) {
        answers.push({ startedAt, ok: false, body: String(e) });
      }
    }
  };
  const workers = Array.from({ length: 4 }, worker);
  await new Promise((r) => setTimeout(r, 150)); // traffic flows before the change starts
  const result = await action();
  await new Promise((r) => setTimeout(r, 150));
  done = true;
  await Promise.all(workers);
  return { result, answers };
}

const failures = (answers: Answer[]) => answers.filter((a) => !a.ok).map((a) => a.body);
const stepEnd = (d: Deployment, name: string) => Date.parse(d.steps.find((s) => s.name === name)?.endedAt ?? "");

describe("deployments from git", () => {
  const root = path.join(tmp, "srv-hello");
  const sock = path.join(tmp, "hello.sock");
  const spec = () => appSpec("hello", { root, source: { git: repo.bare, ref: "main" }, build: [["/usr/bin/touch", "BUILT"]], shared: ["uploads"] });
  const hooks = hooksFor("hello");
  const releases: Record<string, string> = {};

  beforeAll(() => {
    repo = makeGitRepo(tmp);
    repo.commit({ "index.php": INDEX, "start.sh": START, VERSION: "v1" }, "First version", "v1");
    repo.commit({ "index.php": INDEX, "start.sh": START, VERSION: "v2" }, "Second version", "v2");
    repo.commit({ "index.php": INDEX, "start.sh": CRASH, VERSION: "v3" }, "Third version needs a database", "v3");
    repo.commit({ "index.php": INDEX, "start.sh": START, VERSION: "v4", UNHEALTHY: "" }, "Unhealthy version", "v4");
    repo.commit({ "index.php": INDEX, "start.sh": CRASH_LATER, VERSION: "v5" }, "Version that dies after two seconds", "v5");
  });

  it("deploys v1 as the first release: built in place, shared paths linked, current switched", async () => {
    const d = await runDeployment({ rootApproved: true, appId: "hello", spec: spec(), ref: "v1" }, hooks);
    expect(d.message).toBe("");
    expect(d.status).toBe("succeeded");
    releases.v1 = d.release;
    expect(currentRelease(releaseLayout(root))).toBe(d.release);
    expect(await get(sock, root)).toEqual({ status: 200, body: "v1 built=yes" });
    expect(existsSync(path.join(root, "current", "uploads"))).toBe(true);
  });

  it("deploys v2 under continuous load with no failed request; after the switch only v2 answers", async () => {
    const started = performance.now();
    const { result: d, answers } = await underLoad(sock, root, () => runDeployment({ rootApproved: true, appId: "hello", spec: spec(), ref: "v2" }, hooks));
    const ms = Math.round(performance.now() - started - 300);
    console.log(`[deploy] v2 deployed in ~${ms} ms; ${answers.length} requests during it`);
    expect(d.status).toBe("succeeded");
    releases.v2 = d.release;
    expect(failures(answers)).toEqual([]);
    expect(answers.length).toBeGreaterThan(20);
    const after = answers.filter((a) => a.startedAt > stepEnd(d, "switch"));
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(after.map((a) => a.body))).toEqual(new Set(["v2 built=yes"]));
    expect(new Set(answers.map((a) => a.body))).toEqual(new Set(["v1 built=yes", "v2 built=yes"]));
  });

  it("refuses v3, which crashes on start: the start step shows its stderr and v2 keeps serving", async () => {
    const { result: d, answers } = await underLoad(sock, root, () => runDeployment({ rootApproved: true, appId: "hello", spec: spec(), ref: "v3" }, hooks));
    expect(d.status).toBe("failed");
    const start = d.steps.find((s) => s.name === "start")!;
    expect(start.status).toBe("failed");
    expect(start.output).toContain("v3: cannot start, DATABASE_URL is not set");
    expect(d.steps.filter((s) => s.status === "skipped").map((s) => s.name)).toEqual(["health", "switch", "stop-old", "prune"]);
    expect(failures(answers)).toEqual([]);
    expect(new Set(answers.map((a) => a.body))).toEqual(new Set(["v2 built=yes"]));
    expect(currentRelease(releaseLayout(root))).toBe(releases.v2);
    expect(listReleases(releaseLayout(root))).toEqual([releases.v1, releases.v2]); // the failed one is removed
  });

  it("refuses v4, whose health path answers 503, before the old processes are stopped", async () => {
    const { result: d, answers } = await underLoad(sock, root, () => runDeployment({ rootApproved: true, appId: "hello", spec: spec(), ref: "v4" }, hooks));
    expect(d.status).toBe("failed");
    expect(d.steps.find((s) => s.name === "start")?.output).toMatch(/probe answered 503/);
    expect(failures(answers)).toEqual([]);
    // The new processes share the socket while they are checked, so a request may reach one.
    const lastSecond = answers.filter((a) => a.startedAt > stepEnd(d, "start"));
    expect(new Set(lastSecond.map((a) => a.body))).toEqual(new Set(["v2 built=yes"]));
    expect((await get(sock, root)).body).toBe("v2 built=yes");
    expect(currentRelease(releaseLayout(root))).toBe(releases.v2);
  });

  it("rolls back to v1 under load with no failed request", async () => {
    const { result: d, answers } = await underLoad(sock, root, () => rollbackTo({ appId: "hello", spec: spec(), release: releases.v1 }, hooks));
    expect(d.status).toBe("succeeded");
    expect(failures(answers)).toEqual([]);
    const after = answers.filter((a) => a.startedAt > stepEnd(d, "switch"));
    expect(new Set(after.map((a) => a.body))).toEqual(new Set(["v1 built=yes"]));
    expect(currentRelease(releaseLayout(root))).toBe(releases.v1);
  });

  it("prunes to keepReleases but keeps the live release", async () => {
    const d = await runDeployment({ rootApproved: true, appId: "hello", spec: spec(), ref: "v2" }, hooks);
    expect(d.steps.filter((s) => s.status === "failed").map((s) => s.output)).toEqual([]);
    expect(d.status).toBe("succeeded");
    // v1 (previous live) is the oldest but the newest two are v2 (first) and v2 (again): v1 goes.
    expect(listReleases(releaseLayout(root))).toEqual([releases.v2, d.release]);
    expect(d.steps.find((s) => s.name === "prune")?.output).toBe(`Removed ${releases.v1}.`);
    expect((await get(sock, root)).body).toBe("v2 built=yes");
  });

  it("rolls back by itself when a release that passed the health gate crash-loops after the switch", async () => {
    const live = currentRelease(releaseLayout(root));
    const restarts = () => (supervisor.apps.get("hello")?.processes() ?? []).reduce((n, p) => n + p.restarts, 0);
    // The same watch the agent's deploy ops use, with a longer window for a busy CI machine.
    const watching = hooksFor("hello", { crashWatch: { windowMs: 8000, maxRestarts: 2, pollMs: 100, readRestarts: restarts } });
    const d = await runDeployment({ rootApproved: true, appId: "hello", spec: spec(), ref: "v5" }, watching);
    expect(d.status).toBe("rolled-back");
    expect(d.message).toMatch(new RegExp(`^The new release restarted \\d+ times within \\d+ ms after the switch; rolled back to ${live}\\.$`));
    expect(currentRelease(releaseLayout(root))).toBe(live);
    expect(await get(sock, root)).toEqual({ status: 200, body: "v2 built=yes" });
  });

  it("gives a failed fetch step for an unknown ref and keeps serving", async () => {
    const d = await runDeployment({ rootApproved: true, appId: "hello", spec: spec(), ref: "v9" }, hooks);
    expect(d.steps[0]).toMatchObject({ name: "fetch", status: "failed" });
    expect(d.message).toBe('The repository has no branch, tag or commit named "v9".');
    expect((await get(sock, root)).body).toBe("v2 built=yes");
  });
});

describe("deployments from an uploaded archive", () => {
  const root = path.join(tmp, "srv-upload");
  const sock = path.join(tmp, "upload.sock");
  const spec = () => appSpec("upload", { root, source: { archive: true } }, ["/usr/bin/php-cgi"]);
  const hooks = hooksFor("upload");

  it("deploys an uploaded .tar.gz", async () => {
    const archive = writeTarGz(path.join(tmp, "good.tar.gz"), [
      { path: "index.php", content: INDEX },
      { path: "VERSION", content: "archive-1" },
      { path: "BUILT", content: "" },
    ]);
    const d = await runDeployment({ rootApproved: true, appId: "upload", spec: spec(), archive }, hooks);
    expect(d.message).toBe("");
    expect(d.status).toBe("succeeded");
    expect(d.ref).toBe("upload");
    expect(await get(sock, root)).toEqual({ status: 200, body: "archive-1 built=yes" });
  });

  it.each([
    ["../evil", [{ path: "index.php", content: INDEX }, { path: "../evil", content: "owned" }]],
    ["/etc/x", [{ path: "/etc/x", content: "owned" }]],
    ["a symlink to /", [{ path: "root", type: "symlink" as const, link: "/" }, { path: "VERSION", content: "evil" }]],
  ])("refuses an archive with %s and keeps the live release serving", async (_label, entries) => {
    const archive = writeTarGz(path.join(tmp, "evil.tar.gz"), entries);
    const before = listReleases(releaseLayout(root));
    const d = await runDeployment({ rootApproved: true, appId: "upload", spec: spec(), archive }, hooks);
    expect(d.status).toBe("failed");
    expect(d.steps[0]).toMatchObject({ name: "fetch", status: "failed" });
    expect(d.message).toMatch(/^Refused: /);
    expect(listReleases(releaseLayout(root))).toEqual(before);
    expect(existsSync(path.join(root, "releases", "evil"))).toBe(false);
    expect(existsSync(path.join(tmp, "evil"))).toBe(false);
    expect(await get(sock, root)).toEqual({ status: 200, body: "archive-1 built=yes" });
  });
});

afterAll(async () => {
  await supervisor.sync([]); // stops every process and closes the sockets
  // The supervisor writes its state file 20 ms after a change; let it land before deleting.
  await new Promise((r) => setTimeout(r, 100));
  rmSync(tmp, { recursive: true, force: true });
});
