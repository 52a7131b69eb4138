// Converts a stored Deployment row into the shape the API, the CLI and the dashboard share.
import "server-only";
import type { Deployment } from "@/generated/prisma/client";
import { type DeploymentStep, DeploymentStepSchema, type DeploymentView } from "../protocol";

const STATUSES = ["running", "succeeded", "failed", "rolled-back"] as const;

function stepsOf(json: string): DeploymentStep[] {
  try {
    const parsed = DeploymentStepSchema.array().safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

export function deploymentView(row: Deployment): DeploymentView {
  return {
    id: row.id,
    appId: row.appId,
    kind: row.kind === "rollback" ? "rollback" : "deploy",
    status: STATUSES.find((s) => s === row.status) ?? "failed",
    ref: row.ref,
    commit: row.commit,
    commitMessage: row.commitMessage,
    commitAuthor: row.commitAuthor,
    release: row.release,
    message: row.message,
    steps: stepsOf(row.steps),
    actor: row.actorLabel,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    durationMs: row.durationMs,
  };
}

/** The steps a new deployment or rollback shows before the agent's first report. */
export function pendingSteps(kind: "deploy" | "rollback"): DeploymentStep[] {
  const names = kind === "deploy" ? (["fetch", "build", "start", "health", "switch", "stop-old", "prune"] as const) : (["start", "health", "switch", "stop-old"] as const);
  return names.map((name) => ({ name, status: "pending", output: "", startedAt: null, endedAt: null }));
}
