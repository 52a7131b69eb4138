// Messages between the control plane and browsers over /ws/ui.
import * as z from "zod";
import { AppSpecSchema } from "./app-spec";
import { DeploymentViewSchema } from "./deploy-messages";
import { DeploymentStepNameSchema } from "./deploy-spec";
import { PtyCloseSchema, PtyExitSchema, PtyInputSchema, PtyOutputSchema, PtyResizeSchema } from "./debug-messages";
import { LogLineSchema } from "./log-messages";
import { ProcessManagerStatusSchema } from "./process-manager-spec";
import { WorkerStatusSchema } from "./jobs-spec";
import { AppStatusSchema, ProcessInfoSchema, SocketStatusSchema, StoredHostFactsSchema } from "./process-state";

export const HostViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  online: z.boolean(),
  lastSeenAt: z.string().nullable(),
  facts: StoredHostFactsSchema,
});
export type HostView = z.infer<typeof HostViewSchema>;

/** An app as the API and dashboard show it: stored spec (env masked below admin) + live state. */
export const AppViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  revision: z.number().int(),
  /** The revision the agent runs; differs from `revision` while a saved revision is not applied. */
  runningRevision: z.number().int().nullable(),
  failedRevision: z.number().int().nullable(),
  desired: z.string(),
  host: z.object({ id: z.string(), name: z.string(), online: z.boolean() }),
  processes: z.array(ProcessInfoSchema),
  /** The app's workers, one entry per instance (none reported: empty). */
  workers: z.array(WorkerStatusSchema).optional(),
  socket: SocketStatusSchema.nullable(),
  lastError: z.string(),
  /** Dynamic count (current/min/max) and limits as the agent applied them (null: not reported). */
  pm: ProcessManagerStatusSchema.nullable().default(null),
  spec: AppSpecSchema,
});
export type AppView = z.infer<typeof AppViewSchema>;

export const UiEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("host.status"), host: HostViewSchema }),
  z.object({ type: z.literal("app.status"), hostId: z.string(), status: AppStatusSchema }),
  z.object({ type: z.literal("app.changed"), appId: z.string() }),
  z.object({ type: z.literal("logs.lines"), appId: z.string(), lines: z.array(LogLineSchema), dropped: z.number().int() }),
  PtyOutputSchema,
  PtyExitSchema,
  z.object({ type: z.literal("deploy.progress"), appId: z.string(), deployment: DeploymentViewSchema }),
  z.object({ type: z.literal("deploy.output"), appId: z.string(), deploymentId: z.string(), step: DeploymentStepNameSchema, chunk: z.string() }),
  z.object({ type: z.literal("error"), message: z.string() }),
]);
export type UiEvent = z.infer<typeof UiEventSchema>;

export const UiToControlSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("ping") }),
  // Follow an app's live log; afterSeq resumes after the last line seen (no gap, no duplicate).
  z.strictObject({ type: z.literal("logs.follow"), appId: z.string().max(64), afterSeq: z.number().int().optional() }),
  z.strictObject({ type: z.literal("logs.unfollow"), appId: z.string().max(64) }),
  PtyInputSchema,
  PtyResizeSchema,
  PtyCloseSchema,
  // After a reconnect: send this session's output to the new socket.
  z.strictObject({ type: z.literal("pty.attach"), sessionId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }),
]);
export type UiToControl = z.infer<typeof UiToControlSchema>;
