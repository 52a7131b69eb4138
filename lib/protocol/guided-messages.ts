// The guided "New app" form's two agent calls: list a directory as the app's user would see it
// (bounded), and read a script to propose the rest of a spec (interpreter, socket mode, cwd, user).
import * as z from "zod";
import { AbsPathSchema, PosixNameSchema } from "./app-spec";

export const RUNTIMES = ["python-flup", "python-uwsgi", "php-cgi", "php-fpm", "perl-fcgi", "node", "custom"] as const;
export const RuntimeSchema = z.enum(RUNTIMES);
export type Runtime = z.infer<typeof RuntimeSchema>;

/** At most this many entries per listing: a directory of 100,000 files must not flood the form. */
export const BROWSE_MAX_ENTRIES = 500;

export const BrowseEntrySchema = z.object({
  name: z.string().max(255),
  kind: z.enum(["dir", "file", "other"]),
  size: z.number().min(0),
  /** The user may execute it (a file) or enter it (a directory). */
  executable: z.boolean(),
});

export const BrowseResultSchema = z.object({
  path: z.string(),
  parent: z.string().nullable(),
  user: z.string(),
  entries: z.array(BrowseEntrySchema).max(BROWSE_MAX_ENTRIES),
  /** More entries readable than listed (the listing stops at BROWSE_MAX_ENTRIES). */
  truncated: z.boolean(),
});
export type BrowseResult = z.infer<typeof BrowseResultSchema>;

/** What reading a script suggests; the form fills its fields from it and the user edits them. */
export const ProposalSchema = z.object({
  runtime: RuntimeSchema,
  command: z.array(z.string()),
  cwd: z.string(),
  user: z.string().nullable(),
  socket: z.object({ path: z.string(), bind: z.enum(["agent", "app"]) }),
  fastcgiParams: z.record(z.string(), z.string()),
  env: z.record(z.string(), z.string()),
  mount: z.string(),
  /** Why each value was chosen (the shebang line, the bindAddress found, …), shown beside the form. */
  notes: z.array(z.string()),
});
export type Proposal = z.infer<typeof ProposalSchema>;

// rootApproved: the owner asked (lib/protocol/run-as.ts); without it the agent reads nothing as uid 0.
export const GuidedOpSchemas = [
  z.strictObject({ op: z.literal("host.browse"), path: AbsPathSchema, user: PosixNameSchema, rootApproved: z.boolean().optional() }),
  z.strictObject({
    op: z.literal("app.propose"),
    script: AbsPathSchema,
    user: PosixNameSchema,
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
    runtime: RuntimeSchema.optional(),
    rootApproved: z.boolean().optional(),
  }),
] as const;
