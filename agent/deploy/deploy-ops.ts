// The agent's side of deployments: runs deploy.* operations against the supervisor's runners.
// A run or rollback is accepted at once and reported live (deploy.progress / deploy.output);
// reads (refs, commits, releases) answer directly. One deployment or rollback per app at a time.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  type AgentOp,
  type AppSpec,
  type Deployment,
  type DeployOutput,
  type DeployProgress,
  type DesiredApp,
  err,
  OUTPUT_CHUNK_MAX,
  ok,
  type ReleaseInfo,
  type Result,
} from "../../lib/protocol";
import type { AppRunner } from "../supervisor/app-runner";
import { buildIdentity } from "./build-steps";
import { type GitAs, git, syncMirror } from "./fetch-git";
import { commitsBetween, listRefs } from "./git-refs";
import { currentRelease, listReleases, releaseLayout } from "./releases";
import { type DeploymentHooks, runDeployment } from "./run-deployment";
import { rollbackTo } from "./switch-release";

export type DeployOp = Extract<AgentOp, { op: `deploy.${string}` }>;

/** What deployments need from the supervisor (kept narrow so the two modules stay apart). */
export type DeployHost = {
  /** The desired state as the control plane sent it: the template spec, with `{release}`. */
  template(appId: string): DesiredApp | undefined;
  runner(appId: string): AppRunner | undefined;
  /** Re-applies the template once a deployment ends (puts are held while it runs). */
  reapply(appId: string): Promise<void>;
  changed(): void;
};

export type DeploySender = { progress(msg: DeployProgress): void; output(msg: DeployOutput): void };

const releaseCommit = (name: string) => name.slice(name.indexOf("-") + 1).replace(/-\d+$/, "");

const CRASH_WINDOW_MS = 5000;

export class DeployOps {
  private active = new Set<string>();
  private sender: DeploySender | null = null;

  constructor(
    private host: DeployHost,
    private uploadDir: string,
  ) {}

  setSender(sender: DeploySender): void {
    this.sender = sender;
  }

  isBusy(appId: string): boolean {
    return this.active.has(appId);
  }

  async execute(op: DeployOp): Promise<Result<unknown>> {
    const desired = this.host.template(op.appId);
    const deploy = desired?.spec.deploy;
    if (!desired || !deploy) return err("BAD_REQUEST", "This app has no deploy section; add one to its spec first.");
    const layout = releaseLayout(deploy.root);
    // git talks to the source and writes the mirror as the app's user, never as the agent's root.
    const who = buildIdentity(desired.spec, desired.rootApproved);
    const as: GitAs | undefined = who.ok ? { uid: who.value.uid, gid: who.value.gid, home: who.value.env.HOME } : undefined;
    const refuse = who.ok ? null : err("FAILED", who.message);
    switch (op.op) {
      case "deploy.releases": {
        const current = currentRelease(layout);
        const list: ReleaseInfo[] = listReleases(layout)
          .reverse()
          .map((name) => ({ name, current: name === current, commit: releaseCommit(name) }));
        return ok(list);
      }
      case "deploy.refs":
        if (refuse) return refuse;
        return "git" in deploy.source ? listRefs(deploy.source.git, 30_000, as) : ok([]);
      case "deploy.commits": {
        if (!("git" in deploy.source)) return ok([]);
        if (refuse) return refuse;
        const current = currentRelease(layout);
        const from = op.from ?? (current ? releaseCommit(current) : null);
        const synced = await syncMirror(layout.mirror, deploy.source.git, { timeoutMs: 60_000, as });
        if (!synced.ok) return err("FAILED", synced.message);
        // Nothing live yet: everything up to `to` is new; show the latest commits.
        return from ? commitsBetween(layout.mirror, from, op.to, 200, as) : recent(layout.mirror, op.to, as);
      }
      case "deploy.run":
      case "deploy.rollback": {
        if (this.active.has(op.appId)) return err("CONFLICT", "A deployment or rollback of this app is already running; wait for it to finish.");
        if (!this.host.runner(op.appId)) return err("NOT_FOUND", `This host does not run app ${op.appId}.`);
        this.active.add(op.appId);
        let archive: string | undefined;
        if (op.op === "deploy.run" && op.archive !== undefined) {
          mkdirSync(this.uploadDir, { recursive: true, mode: 0o700 });
          archive = path.join(this.uploadDir, `${op.deploymentId}.tar.gz`);
          writeFileSync(archive, Buffer.from(op.archive, "base64"), { mode: 0o600 });
        }
        void this.run(op, desired, archive).finally(() => {
          if (archive) rmSync(archive, { force: true });
          this.active.delete(op.appId);
          void this.host.reapply(op.appId);
        });
        return ok({ accepted: true, deploymentId: op.deploymentId });
      }
    }
  }

  private async run(op: Extract<DeployOp, { op: "deploy.run" | "deploy.rollback" }>, desired: DesiredApp, archive: string | undefined): Promise<void> {
    const hooks = this.hooks(op.appId, op.deploymentId, desired);
    let final: Deployment;
    try {
      if (op.op === "deploy.rollback") final = await rollbackTo({ appId: op.appId, spec: desired.spec, release: op.release }, hooks);
      else {
        // An upload replaces the git source for this deployment only.
        const spec: AppSpec = archive && desired.spec.deploy ? { ...desired.spec, deploy: { ...desired.spec.deploy, source: { archive: true } } } : desired.spec;
        final = await runDeployment({ appId: op.appId, spec, ref: op.op === "deploy.run" ? op.ref : undefined, archive, rootApproved: desired.rootApproved }, hooks);
      }
    } catch (e) {
      console.error(`[agent] deployment ${op.deploymentId} crashed:`, e);
      final = { id: op.deploymentId, appId: op.appId, status: "failed", ref: "", commit: "", release: "", message: "The agent hit an internal error; see its log.", steps: [] };
    }
    // Workers follow the switch: the deployed release's workers replace the old ones
    // now that it is live, whether or not their command names the release.
    const runner = this.host.runner(op.appId);
    if (runner && final.status === "succeeded") await runner.serialize(() => runner.syncWorkers(true));
    const about = final.commit && desired.spec.deploy ? await commitInfo(releaseLayout(desired.spec.deploy.root).mirror, final.commit, desired) : {};
    this.sender?.progress({ type: "deploy.progress", deploymentId: op.deploymentId, deployment: { ...final, id: op.deploymentId }, ...about });
  }

  private hooks(appId: string, deploymentId: string, desired: DesiredApp): DeploymentHooks {
    const runner = () => this.host.runner(appId);
    return {
      startAndCheck: async (spec) => {
        const r = runner();
        if (!r) return err("NOT_FOUND", "The app was removed during the deployment.");
        const next: DesiredApp = { ...desired, desired: "running", spec };
        const result = await r.serialize(() => r.restart(next));
        this.host.changed();
        return result;
      },
      stopNew: async () => {
        const r = runner();
        if (r) await r.serialize(() => r.stop());
        this.host.changed();
      },
      runningSpec: () => runner()?.desired.spec ?? null,
      // A release that passes the health gate but then crash-loops is rolled back automatically.
      crashWatch: {
        windowMs: CRASH_WINDOW_MS,
        maxRestarts: 2,
        pollMs: 200,
        readRestarts: () =>
          (runner()?.processes() ?? []).reduce((n, p) => n + p.restarts + (p.state === "FATAL" ? 1000 : 0), 0),
      },
      onStep: (_step, d) => {
        if (d.status === "running") this.sender?.progress({ type: "deploy.progress", deploymentId, deployment: { ...d, id: deploymentId } });
      },
      onOutput: (step, chunk) => {
        for (let i = 0; i < chunk.length; i += OUTPUT_CHUNK_MAX) {
          this.sender?.output({ type: "deploy.output", appId, deploymentId, step, chunk: chunk.slice(i, i + OUTPUT_CHUNK_MAX) });
        }
      },
    };
  }
}

/** The newest commits up to `to`, for a first deployment (nothing live to compare with). */
async function recent(mirror: string, to: string, as: GitAs | undefined): Promise<Result<unknown>> {
  const r = await git(["log", "--max-count=20", "--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%s%x1e", "--end-of-options", to, "--"], { cwd: mirror, timeoutMs: 30_000, as });
  if (!r.ok) return err("NOT_FOUND", `The repository has no branch, tag or commit named "${to}".`);
  return ok(
    r.output
      .split("\x1e")
      .map((rec) => rec.replace(/^\n/, ""))
      .filter(Boolean)
      .map((rec) => {
        const [commit, author, email, date, message] = rec.split("\x1f");
        return { commit, author, email, date, message: message ?? "" };
      }),
  );
}

async function commitInfo(mirror: string, commit: string, desired: DesiredApp): Promise<{ commitMessage?: string; commitAuthor?: string }> {
  const who = buildIdentity(desired.spec, desired.rootApproved);
  if (!who.ok) return {};
  const as: GitAs = { uid: who.value.uid, gid: who.value.gid, home: who.value.env.HOME };
  const r = await git(["log", "-1", "--format=%an%x1f%s", "--end-of-options", commit, "--"], { cwd: mirror, timeoutMs: 15_000, as });
  if (!r.ok) return {};
  const [author, subject] = r.output.trim().split("\x1f");
  return { commitAuthor: (author ?? "").slice(0, 200), commitMessage: (subject ?? "").slice(0, 1000) };
}
