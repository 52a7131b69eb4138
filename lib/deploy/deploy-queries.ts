// Read-only deployment questions: history, one deployment, and what the agent knows about the
// source (branches and tags, commits between live and proposed) and the kept releases.
import "server-only";
import { agentHub } from "../agents/agent-hub";
import { db } from "../db";
import { type CommitSummary, CommitListSchema, type DeploymentView, type GitRef, GitRefListSchema, type ReleaseInfo, ReleaseListSchema } from "../protocol";
import { err, ok, type Result } from "../result";
import { deploymentView } from "./deployment-view";

export async function listDeployments(appId: string): Promise<Result<DeploymentView[]>> {
  const app = await db.app.findUnique({ where: { id: appId }, select: { id: true } });
  if (!app) return err("NOT_FOUND", "That app does not exist.");
  const rows = await db.deployment.findMany({ where: { appId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 100 });
  return ok(rows.map(deploymentView));
}

export async function getDeployment(id: string): Promise<Result<DeploymentView>> {
  const row = await db.deployment.findUnique({ where: { id } });
  return row ? ok(deploymentView(row)) : err("NOT_FOUND", "That deployment does not exist.");
}

type Ask = { op: "deploy.refs" } | { op: "deploy.releases" } | { op: "deploy.commits"; from?: string; to: string };

async function ask<T>(appId: string, q: Ask, parse: (v: unknown) => { success: true; data: T } | { success: false }): Promise<Result<T>> {
  const app = await db.app.findUnique({ where: { id: appId }, select: { hostId: true } });
  if (!app) return err("NOT_FOUND", "That app does not exist.");
  const res = await agentHub().call(app.hostId, { ...q, appId }, 90_000);
  if (!res.ok) return res;
  const parsed = parse(res.value);
  return parsed.success ? ok(parsed.data) : err("INTERNAL", "The agent sent a malformed answer.");
}

export const deployRefs = (appId: string): Promise<Result<GitRef[]>> => ask(appId, { op: "deploy.refs" }, (v) => GitRefListSchema.safeParse(v));
export const deployReleases = (appId: string): Promise<Result<ReleaseInfo[]>> => ask(appId, { op: "deploy.releases" }, (v) => ReleaseListSchema.safeParse(v));
export const deployCommits = (appId: string, to: string, from?: string): Promise<Result<CommitSummary[]>> =>
  ask(appId, { op: "deploy.commits", to, from }, (v) => CommitListSchema.safeParse(v));
