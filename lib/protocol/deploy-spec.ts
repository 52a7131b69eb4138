// The `deploy` part of an app spec (where releases live, where code comes from, how it is built)
// and the wire shape of a deployment and its steps, as the agent reports them live.
import * as z from "zod";

const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

const DeployRootSchema = z
  .string()
  .min(2, "deploy.root must be an absolute directory other than /.")
  .max(1024)
  .regex(/^\/[A-Za-z0-9._/@+-]*$/, "deploy.root must be an absolute path of letters, digits and . _ / @ + - only.")
  .refine((p) => !p.split("/").includes(".."), "deploy.root may not contain '..'.")
  .refine((p) => p.replace(/\/+$/, "") !== "", "deploy.root must be a directory other than /.");

// Strict grammar: no `ext::`/`fd::` transports, no option-looking values, no scp-like `host:path`
// (ambiguous with local paths), no whitespace or control characters.
const GIT_URL = new RegExp(
  [
    String.raw`^\/[A-Za-z0-9._/@+-]+$`, // absolute path on this host
    String.raw`^file:\/\/\/[A-Za-z0-9._/@+-]+$`,
    String.raw`^https?:\/\/(?:[A-Za-z0-9._~%-]+@)?[A-Za-z0-9.-]+(?::\d{1,5})?\/[A-Za-z0-9._~/@+%-]*$`,
    String.raw`^ssh:\/\/(?:[A-Za-z0-9._-]+@)?[A-Za-z0-9.-]+(?::\d{1,5})?\/[A-Za-z0-9._~/@+-]*$`,
    String.raw`^git:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?\/[A-Za-z0-9._~/@+-]*$`,
  ].join("|"),
);

export const GitUrlSchema = z
  .string()
  .max(2048)
  .regex(GIT_URL, "Use an absolute path or an http(s)://, ssh:// or git:// URL of the repository.")
  .refine((u) => !u.split("/").includes(".."), "The repository location may not contain '..'.");

/** A branch, tag or commit: git's ref rules, minus anything git would read as an option or a range. */
export const GitRefNameSchema = z
  .string()
  .min(1, "Give a branch, tag or commit.")
  .max(200)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._/+-]*$/, "Use a branch, tag or commit: letters, digits and . _ / + - only, not starting with - or .")
  .refine((r) => !r.includes("..") && !r.includes("//") && !r.endsWith("/") && !r.endsWith(".lock") && !r.endsWith("."), {
    message: "That is not a valid branch, tag or commit name.",
  });

/** A path inside a release: relative, no `..`, no empty or `.` segments. */
export const ReleasePathSchema = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[A-Za-z0-9_.@+-][A-Za-z0-9._/@+-]*$/, "Use a relative path of letters, digits and . _ / @ + - only.")
  .refine((p) => p.split("/").every((s) => s !== "" && s !== "." && s !== ".."), "Use a relative path without '.', '..' or empty segments.");

export const DeploySourceSchema = z.union([
  z.strictObject({ git: GitUrlSchema, ref: GitRefNameSchema.default("main") }),
  z.strictObject({ archive: z.literal(true) }),
]);
export type DeploySource = z.infer<typeof DeploySourceSchema>;

const ArgvSchema = z
  .array(z.string().min(1).max(4096).regex(NO_CONTROL, "Control characters are not allowed."))
  .min(1, "A build command needs at least the program, e.g. [\"/usr/bin/make\", \"build\"].")
  .max(256)
  .refine((a) => a[0].startsWith("/"), "Give the build program as an absolute path, e.g. /usr/bin/make.");

export const DeploySpecSchema = z.strictObject({
  root: DeployRootSchema,
  source: DeploySourceSchema,
  build: z.array(ArgvSchema).max(32).default([]),
  shared: z
    .array(ReleasePathSchema)
    .max(64)
    .default([])
    .refine((s) => new Set(s).size === s.length, "List each shared path once."),
  keepReleases: z.number().int().min(1, "Keep at least 1 release.").max(50, "Keep at most 50 releases.").default(5),
  healthPath: z.string().regex(/^\/[A-Za-z0-9._/~%+-]*$/, "Use a URL path starting with /.").default("/"),
});
export type DeploySpec = z.infer<typeof DeploySpecSchema>;
export type DeploySpecInput = z.input<typeof DeploySpecSchema>;

export const DeploymentStepNameSchema = z.enum(["fetch", "build", "start", "health", "switch", "stop-old", "prune"]);
export type DeploymentStepName = z.infer<typeof DeploymentStepNameSchema>;

export const DeploymentStepSchema = z.strictObject({
  name: DeploymentStepNameSchema,
  status: z.enum(["pending", "running", "ok", "failed", "skipped"]),
  output: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
});
export type DeploymentStep = z.infer<typeof DeploymentStepSchema>;

export const DeploymentSchema = z.strictObject({
  id: z.string().min(1).max(64),
  appId: z.string().min(1).max(64),
  status: z.enum(["running", "succeeded", "failed", "rolled-back"]),
  ref: z.string().max(200),
  commit: z.string().max(64),
  release: z.string().max(255),
  /** Written for people: why it failed or was rolled back; empty on success. */
  message: z.string().default(""),
  steps: z.array(DeploymentStepSchema),
});
export type Deployment = z.infer<typeof DeploymentSchema>;

/** A branch or tag of the source repository, for a ref picker. */
export const GitRefSchema = z.strictObject({
  name: z.string(),
  kind: z.enum(["branch", "tag"]),
  commit: z.string(),
});
export type GitRef = z.infer<typeof GitRefSchema>;

/** One commit of "what changes between the live and the proposed release". */
export const CommitSummarySchema = z.strictObject({
  commit: z.string(),
  author: z.string(),
  email: z.string(),
  date: z.string(),
  message: z.string(),
});
export type CommitSummary = z.infer<typeof CommitSummarySchema>;
