// One deployment: fetch → build → start → health → switch → stop-old → prune. The process side
// (rolling start on the app's socket) is the caller's, through hooks; any failure before the
// switch leaves the live release serving, and a crash loop right after it rolls back.
import { createHash } from "node:crypto";
import { createReadStream, mkdirSync } from "node:fs";
import { refuseSymlinksBelow } from "../safe-path";
import { failpoint } from "../supervisor/failpoint";
import { type AppSpec, type Deployment, GitRefNameSchema } from "../../lib/protocol";
import { type BuildIdentity, buildIdentity, runBuild } from "./build-steps";
import { type CrashLoopWatch, watchCrashLoop } from "./crash-loop";
import { DeploymentRecord, type RecordHooks } from "./deployment-record";
import { exportCommit, resolveCommit, syncMirror } from "./fetch-git";
import { createReleaseDir, currentRelease, linkShared, pruneReleases, releaseLayout, releasePath, removeRelease, type ReleaseLayout } from "./releases";
import { describeFsError } from "./run-command";
import { unpackArchive } from "./unpack-archive";
import { activateRelease, type ProcessHooks, rollbackTo } from "./switch-release";

export type DeploymentInput = {
  appId: string;
  /** The templated spec (with `deploy` and `{release}` placeholders). */
  spec: AppSpec;
  /** Branch, tag or commit to deploy instead of deploy.source.ref. */
  ref?: string;
  /** The owner approved this app's spec for uid 0 (DesiredApp.rootApproved). */
  rootApproved?: boolean;
  /** The uploaded .tar.gz, for `source: {archive: true}`. */
  archive?: string;
  /** The concrete spec the live processes run; defaults to the spec resolved to `current`. */
  running?: AppSpec | null;
  timeouts?: { gitMs?: number; buildMs?: number };
};

export type DeploymentHooks = ProcessHooks &
  RecordHooks & {
    /** Watch the new release after the switch and roll back on a crash loop. */
    crashWatch?: Omit<CrashLoopWatch, "signal">;
  };

const busy = new Set<string>();

export async function runDeployment(input: DeploymentInput, hooks: DeploymentHooks): Promise<Deployment> {
  const deploy = input.spec.deploy;
  const ref = deploy && "git" in deploy.source ? (input.ref ?? deploy.source.ref) : "upload";
  const record = new DeploymentRecord(input.appId, ref, hooks);
  if (!deploy) return record.fail("fetch", "This app has no deploy section.");
  const layout = releaseLayout(deploy.root);
  if (busy.has(layout.root)) return record.fail("fetch", "Another deployment of this app is in progress.");
  busy.add(layout.root);
  try {
    return await deploySteps(input, hooks, record, layout);
  } finally {
    busy.delete(layout.root);
  }
}

async function deploySteps(input: DeploymentInput, hooks: DeploymentHooks, record: DeploymentRecord, layout: ReleaseLayout): Promise<Deployment> {
  const deploy = input.spec.deploy!;
  const previous = currentRelease(layout);
  const out = (step: "fetch" | "build") => (chunk: string) => record.output(step, chunk);

  // fetch: the release is unpacked as the app's user (the one the build and the app run as), never root
  record.start("fetch");
  const who = buildIdentity(input.spec, input.rootApproved ?? false);
  if (!who.ok) return record.fail("fetch", who.message);
  const fetched = await fetchRelease(input, layout, out("fetch"), who.value);
  if (!fetched.ok) return record.fail("fetch", fetched.message, fetched.output);
  failpoint("deploy.fetch"); // the release fetched, not yet prepared
  const release = fetched.name;
  record.value.commit = fetched.commit;
  record.value.release = release;
  const dir = releasePath(layout, release);
  const abandon = (step: Parameters<DeploymentRecord["fail"]>[0], message: string, output = "") => {
    removeRelease(layout, release); // a failed release is never a rollback target
    return record.fail(step, message, output);
  };
  try {
    linkShared(layout, dir, deploy.shared);
  } catch (e) {
    return abandon("fetch", describeFsError("Preparing the release", e));
  }
  record.finish("fetch", "ok", `${fetched.commit ? `commit ${fetched.commit}, ` : ""}release ${release}`);

  // build
  record.start("build");
  failpoint("deploy.build");
  if (deploy.build.length === 0) record.finish("build", "skipped", "No build commands.");
  else {
    const built = await runBuild(deploy.build, dir, who.value, { timeoutMs: input.timeouts?.buildMs, onOutput: out("build") });
    if (!built.ok) return abandon("build", built.message);
    record.finish("build", "ok");
  }

  // start + health + switch + stop-old: shared with rollbacks
  const activated = await activateRelease({ spec: input.spec, layout, release, running: input.running, previous }, hooks, record);
  if (!activated.ok) {
    // Kept only if the old generation could not be brought back: processes may still run from it.
    if (!activated.keepRelease) removeRelease(layout, release);
    return record.end("failed", activated.message);
  }

  // prune: keep the previous release as long as a crash-loop rollback may need it
  record.start("prune");
  failpoint("deploy.prune");
  try {
    const removed = pruneReleases(layout, deploy.keepReleases, hooks.crashWatch && previous ? [previous] : []);
    record.finish("prune", "ok", removed.length ? `Removed ${removed.join(", ")}.` : "Nothing to remove.");
  } catch (e) {
    record.finish("prune", "failed", describeFsError("Removing old releases", e));
  }

  if (hooks.crashWatch && previous) {
    const verdict = await watchCrashLoop(hooks.crashWatch);
    if (verdict.crashLoop) {
      const back = await rollbackTo({ appId: input.appId, spec: input.spec, release: previous }, hooks);
      const why = `The new release restarted ${verdict.restarts} times within ${verdict.afterMs} ms after the switch`;
      if (back.status === "succeeded") return record.end("rolled-back", `${why}; rolled back to ${previous}.`);
      return record.end("failed", `${why}; the rollback to ${previous} failed too: ${back.message}`);
    }
  }
  return record.end("succeeded");
}

type Fetched = { ok: true; name: string; commit: string } | { ok: false; message: string; output: string };

async function fetchRelease(input: DeploymentInput, layout: ReleaseLayout, onOutput: (c: string) => void, who: BuildIdentity): Promise<Fetched> {
  const as = { uid: who.uid, gid: who.gid, home: who.env.HOME, onOutput };
  const deploy = input.spec.deploy!;
  try {
    // The tree under deploy.root is the app user's: a link it put there must not lead root's mkdir elsewhere.
    for (const dir of [layout.releases, layout.shared, layout.mirror]) {
      const safe = refuseSymlinksBelow(layout.root, dir);
      if (!safe.ok) return { ok: false, message: safe.message, output: "" };
    }
    mkdirSync(layout.releases, { recursive: true });
    mkdirSync(layout.shared, { recursive: true });
    if ("git" in deploy.source) {
      const ref = GitRefNameSchema.safeParse(input.ref ?? deploy.source.ref);
      if (!ref.success) return { ok: false, message: `"${input.ref}" is not a valid branch, tag or commit name.`, output: "" };
      const synced = await syncMirror(layout.mirror, deploy.source.git, { timeoutMs: input.timeouts?.gitMs, onOutput, as });
      if (!synced.ok) return synced;
      const resolved = await resolveCommit(layout.mirror, ref.data, as);
      if (!resolved.ok) return { ok: false, message: resolved.message, output: synced.output };
      const rel = createRelease(layout, resolved.commit.slice(0, 7));
      const exported = await exportCommit(layout.mirror, resolved.commit, releasePath(layout, rel), layout.incoming, as);
      if (!exported.ok) {
        removeRelease(layout, rel);
        return exported;
      }
      return { ok: true, name: rel, commit: resolved.commit };
    }
    if (!input.archive) return { ok: false, message: "No archive was uploaded for this deployment.", output: "" };
    const digest = await sha256File(input.archive);
    const rel = createRelease(layout, digest.slice(0, 7));
    const unpacked = await unpackArchive(input.archive, releasePath(layout, rel), as);
    if (!unpacked.ok) {
      removeRelease(layout, rel);
      return unpacked;
    }
    return { ok: true, name: rel, commit: "" };
  } catch (e) {
    return { ok: false, message: describeFsError("Fetching the code", e), output: "" };
  }
}

function createRelease(layout: ReleaseLayout, short: string): string {
  return createReleaseDir(layout, short).name;
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    createReadStream(file)
      .on("data", (c) => h.update(c))
      .on("end", () => resolve(h.digest("hex")))
      .on("error", reject);
  });
}
