// Deployment messages on the wire: the agent ops that run and inspect deployments, the agent's
// live progress reports, and the deployment as the API and dashboard show it.
import * as z from "zod";
import { CommitSummarySchema, DeploymentSchema, DeploymentStepNameSchema, DeploymentStepSchema, GitRefNameSchema, GitRefSchema } from "./deploy-spec";

/** Uploaded archives travel base64 inside one agent request; the agent socket allows 16 MiB frames. */
export const ARCHIVE_MAX_BYTES = 10 << 20;
const ARCHIVE_MAX_BASE64 = Math.ceil(ARCHIVE_MAX_BYTES / 3) * 4;
/** Live output is forwarded in bounded chunks; the full tail is kept in the step itself. */
export const OUTPUT_CHUNK_MAX = 16 * 1024;

const AppRef = { appId: z.string().min(1).max(64) };
const DeploymentId = z.string().min(1).max(64);
export const ReleaseNameSchema = z.string().regex(/^\d{17}-[a-z0-9]{1,12}(?:-\d+)?$/, "That is not a release name.");

export const DeployOpSchemas = [
  z.strictObject({
    op: z.literal("deploy.run"),
    ...AppRef,
    deploymentId: DeploymentId,
    ref: GitRefNameSchema.optional(),
    archive: z.string().max(ARCHIVE_MAX_BASE64).optional(),
  }),
  z.strictObject({ op: z.literal("deploy.rollback"), ...AppRef, deploymentId: DeploymentId, release: ReleaseNameSchema }),
  z.strictObject({ op: z.literal("deploy.refs"), ...AppRef }),
  z.strictObject({ op: z.literal("deploy.commits"), ...AppRef, from: GitRefNameSchema.optional(), to: GitRefNameSchema }),
  z.strictObject({ op: z.literal("deploy.releases"), ...AppRef }),
] as const;

/** A kept release on the host; `commit` is the short commit (or archive digest) in its name. */
export const ReleaseInfoSchema = z.object({ name: z.string(), current: z.boolean(), commit: z.string() });
export type ReleaseInfo = z.infer<typeof ReleaseInfoSchema>;
export const ReleaseListSchema = z.array(ReleaseInfoSchema);
export const GitRefListSchema = z.array(GitRefSchema);
export const CommitListSchema = z.array(CommitSummarySchema);

/** Agent → control: a step moved; the final report (status ≠ running) also carries the commit's subject and author. */
export const DeployProgressSchema = z.strictObject({
  type: z.literal("deploy.progress"),
  deploymentId: DeploymentId,
  deployment: DeploymentSchema,
  commitMessage: z.string().max(1000).optional(),
  commitAuthor: z.string().max(200).optional(),
});
export type DeployProgress = z.infer<typeof DeployProgressSchema>;

export const DeployOutputSchema = z.strictObject({
  type: z.literal("deploy.output"),
  appId: z.string().max(64),
  deploymentId: DeploymentId,
  step: DeploymentStepNameSchema,
  chunk: z.string().max(OUTPUT_CHUNK_MAX),
});
export type DeployOutput = z.infer<typeof DeployOutputSchema>;

/** A deployment or rollback as the API and dashboard show it. */
export const DeploymentViewSchema = z.object({
  id: z.string(),
  appId: z.string(),
  kind: z.enum(["deploy", "rollback"]),
  status: DeploymentSchema.shape.status,
  ref: z.string(),
  commit: z.string(),
  commitMessage: z.string(),
  commitAuthor: z.string(),
  release: z.string(),
  message: z.string(),
  steps: z.array(DeploymentStepSchema),
  actor: z.string(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().int().nullable(),
});
export type DeploymentView = z.infer<typeof DeploymentViewSchema>;
