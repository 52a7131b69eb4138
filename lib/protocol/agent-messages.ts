// Messages between an agent and the control plane over /ws/agent. Both sides parse every frame.
import * as z from "zod";
import { AppSpecSchema, DesiredAppSchema } from "./app-spec";
import { AdoptSchema } from "./discovery";
import { DeployOpSchemas, DeployOutputSchema, DeployProgressSchema } from "./deploy-messages";
import { PtyCloseSchema, PtyExitSchema, PtyInputSchema, PtyOutputSchema, PtyResizeSchema } from "./debug-messages";
import { LogLineSchema, LogQuerySchema } from "./log-messages";
import { GuidedOpSchemas } from "./guided-messages";
import { MetricsOpSchemas, MetricsSamplesSchema } from "./metrics-messages";
import { WebTargetsSchema } from "./web-servers";
import { WebServerSchema } from "./web-spec";
import { AppStatusSchema, HostFactsSchema, ProcessStateSchema } from "./process-state";
import { ProcessEventKindSchema } from "./process-events";

export const TestRequestSchema = z.strictObject({
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]).default("GET"),
  path: z.string().regex(/^\/[^\s\u0000-\u001f]*$/, "The path must start with / and contain no spaces.").max(4096).default("/"),
  query: z.string().max(8192).regex(/^[^\s\u0000-\u001f]*$/, "The query may not contain spaces.").default(""),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, "Header names use letters, digits and -."), z.string().max(8192)).default({}),
  body: z.string().max(1_048_576).default(""),
});
export type TestRequest = z.infer<typeof TestRequestSchema>;

export const WebConfigStateSchema = z.object({
  server: WebServerSchema,
  text: z.string(),
  path: z.string(),
  diskText: z.string().nullable(),
});
export type WebConfigState = z.infer<typeof WebConfigStateSchema>;

export const ApplyOutcomeSchema = z.object({
  ok: z.boolean(),
  step: z.enum(["write", "validate", "swap", "reload", "probe", "done"]),
  /** The check that failed: why, where `step` says where. */
  check: z
    .enum(["no-answer", "server-error", "unexpected-status", "differs-from-socket", "not-listener", "other-site-down", "server-stopped", "reload-refused", "not-running"])
    .nullable()
    .default(null),
  message: z.string(),
  validatorOutput: z.string(),
  probe: z.object({ status: z.number(), ms: z.number() }).nullable(),
  rolledBack: z.boolean(),
  /** After the apply and any rollback: does the server run (null: no pid file to tell)? */
  serverRunning: z.boolean().nullable().default(null),
  server: WebServerSchema,
  path: z.string(),
  text: z.string(),
});
export type ApplyOutcomeView = z.infer<typeof ApplyOutcomeSchema>;

export const TestResponseSchema = z.object({
  status: z.number().int(),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
  stderr: z.string(),
  ms: z.number(),
});
export type TestResponse = z.infer<typeof TestResponseSchema>;

const AppRef = { appId: z.string().min(1).max(64) };
const ProcessRef = { ...AppRef, pid: z.number().int().min(1) };

/** Operations the control plane asks an agent to perform; each gets exactly one reply. */
export const AgentOpSchema = z.discriminatedUnion("op", [
  // rootApproved / allowRoot: the owner's approval for uid 0 (lib/protocol/run-as.ts), decided by the control plane.
  // adopt: running processes (discovery's import) to take over instead of starting new ones.
  z.strictObject({ op: z.literal("app.validate"), spec: AppSpecSchema, rootApproved: z.boolean().default(false), adopt: AdoptSchema.optional() }),
  z.strictObject({ op: z.literal("app.put"), app: DesiredAppSchema, adopt: AdoptSchema.optional() }),
  // FastCGI apps already running or configured on the host, proposed as specs (DiscoveryResult).
  z.strictObject({ op: z.literal("host.discover") }),
  z.strictObject({ op: z.literal("app.remove"), ...AppRef }),
  z.strictObject({ op: z.literal("app.start"), ...AppRef }),
  z.strictObject({ op: z.literal("app.stop"), ...AppRef }),
  z.strictObject({ op: z.literal("app.restart"), ...AppRef }),
  z.strictObject({ op: z.literal("app.reload"), ...AppRef }),
  // Applies the desired revision again, even one that failed before.
  z.strictObject({ op: z.literal("app.retry"), ...AppRef }),
  // The spec (template) of the running revision, for a revert.
  z.strictObject({ op: z.literal("app.running-spec"), ...AppRef }),
  z.strictObject({ op: z.literal("process.restart"), ...ProcessRef }),
  z.strictObject({ op: z.literal("process.kill"), ...ProcessRef }),
  // A worker's instances (all, or one by index), stopped gracefully and started again.
  z.strictObject({ op: z.literal("worker.restart"), ...AppRef, name: z.string().min(1).max(40), index: z.number().int().min(0).optional() }),
  // The app's schedules with their kept runs (agent/schedules/).
  z.strictObject({ op: z.literal("schedules.list"), ...AppRef }),
  z.strictObject({ op: z.literal("app.test-request"), ...AppRef, request: TestRequestSchema }),
  z.strictObject({ op: z.literal("logs.query"), ...AppRef, query: LogQuerySchema }),
  z.strictObject({ op: z.literal("logs.tail"), ...AppRef, limit: z.number().int().min(1).max(5000) }),
  z.strictObject({ op: z.literal("logs.since"), ...AppRef, afterSeq: z.number().int(), limit: z.number().int().min(1).max(5000) }),
  // by: the replica that follows (each turns only its own follow off; absent with one process).
  z.strictObject({ op: z.literal("logs.follow"), ...AppRef, on: z.boolean(), by: z.string().max(64).optional() }),
  z.strictObject({ op: z.literal("logs.files"), ...AppRef }),
  // By position (seq), not file name: a rotation during a download cannot shift it onto another file.
  z.strictObject({
    op: z.literal("logs.chunk"),
    ...AppRef,
    fromSeq: z.number().int().min(0),
    untilSeq: z.number().int().min(0).optional(),
    length: z.number().int().min(1).max(1 << 20),
  }),
  z.strictObject({ op: z.literal("tracebacks.list"), ...AppRef }),
  z.strictObject({ op: z.literal("webconfig.get"), ...AppRef, server: WebServerSchema.optional() }),
  z.strictObject({ op: z.literal("app.doctor"), ...AppRef, allowRoot: z.boolean().default(false) }),
  z.strictObject({ op: z.literal("app.run-by-hand"), ...AppRef, allowRoot: z.boolean().default(false) }),
  z.strictObject({
    op: z.literal("pty.open"),
    ...AppRef,
    sessionId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}\$?$/),
    cols: z.number().int().min(2).max(1000),
    rows: z.number().int().min(2).max(500),
    allowRoot: z.boolean(),
  }),
  // The host setting for its web servers (targets); the agent keeps it and answers with its facts.
  z.strictObject({ op: z.literal("host.web-targets"), targets: WebTargetsSchema }),
  z.strictObject({ op: z.literal("pty.recording"), sessionId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }),
  // text: a specific version (rollback, adopt); without it the agent applies what it renders now.
  z.strictObject({ op: z.literal("webconfig.apply"), ...AppRef, server: WebServerSchema.optional(), text: z.string().max(1 << 20).optional() }),
  // Upgrade in place: fetch this control plane's bundle (build, checksum), swap, re-exec; apps keep running.
  z.strictObject({ op: z.literal("agent.upgrade"), build: z.string().regex(/^[0-9a-f]{12,64}$/), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  ...DeployOpSchemas,
  ...MetricsOpSchemas,
  ...GuidedOpSchemas,
]);
export type AgentOp = z.infer<typeof AgentOpSchema>;
export type AgentOpName = AgentOp["op"];

export const ControlToAgentSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("welcome"),
    hostId: z.string(),
    hostName: z.string(),
    webTargets: WebTargetsSchema.optional(),
    /** This control plane acknowledges stored transitions (transitions.ack) and deployment outcomes (deploy.ack): the agent keeps them until then. */
    acks: z.literal(true).optional(),
  }),
  /** Every transition of this agent run up to `seq` is stored: the agent drops them from its queue. */
  z.strictObject({ type: z.literal("transitions.ack"), boot: z.string().min(1).max(64), seq: z.number().int().positive() }),
  /** A deployment's final report is stored (or was already, or is not this host's): the agent stops resending it. */
  z.strictObject({ type: z.literal("deploy.ack"), deploymentId: z.string().min(1).max(64) }),
  z.strictObject({ type: z.literal("sync"), apps: z.array(DesiredAppSchema) }),
  z.strictObject({ type: z.literal("request"), id: z.string().min(1).max(64), op: AgentOpSchema }),
  z.strictObject({ type: z.literal("error"), message: z.string() }),
  PtyInputSchema,
  PtyResizeSchema,
  PtyCloseSchema,
]);
export type ControlToAgent = z.infer<typeof ControlToAgentSchema>;

export const ReplySchema = z.discriminatedUnion("ok", [
  z.strictObject({ type: z.literal("reply"), id: z.string(), ok: z.literal(true), value: z.unknown() }),
  z.strictObject({
    type: z.literal("reply"),
    id: z.string(),
    ok: z.literal(false),
    code: z.string(),
    message: z.string(),
    fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    detail: z.unknown().optional(),
  }),
]);

export const ProcessTransitionSchema = z.strictObject({
  appId: z.string(),
  slot: z.number().int(),
  pid: z.number().int(),
  from: ProcessStateSchema,
  to: ProcessStateSchema,
  // A time every database can store: one that is not would fail its whole write batch, again and again.
  at: z.iso.datetime({ offset: true }),
  detail: z.string().max(8192).default(""),
  /** Set when the agent knows better than the states what happened (a planned recycle). */
  kind: ProcessEventKindSchema.optional(),
  /** The worker (agent/supervisor/workers.ts) this transition is about; none for a FastCGI process. */
  worker: z.string().max(40).optional(),
  /** Its place in this agent run's sequence (1, 2, …): stored once per (host, boot, seq), however often resent. */
  seq: z.number().int().positive().optional(),
});
export type ProcessTransition = z.infer<typeof ProcessTransitionSchema>;

export const AgentToControlSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("hello"), facts: HostFactsSchema, apps: z.array(AppStatusSchema) }),
  z.strictObject({ type: z.literal("facts"), facts: HostFactsSchema }),
  z.strictObject({ type: z.literal("apps.status"), apps: z.array(AppStatusSchema) }),
  z.strictObject({
    type: z.literal("process.transitions"),
    transitions: z.array(ProcessTransitionSchema).max(1000),
    /** The agent run the transitions' seq numbers count in (a new one each time the agent starts). */
    boot: z.string().min(1).max(64).optional(),
  }),
  z.strictObject({ type: z.literal("logs.lines"), appId: z.string(), lines: z.array(LogLineSchema).max(5000), dropped: z.number().int().min(0) }),
  PtyOutputSchema,
  PtyExitSchema,
  DeployProgressSchema,
  DeployOutputSchema,
  MetricsSamplesSchema,
  z.strictObject({ type: z.literal("error"), message: z.string() }),
  ReplySchema,
]);
export type AgentToControl = z.infer<typeof AgentToControlSchema>;

/** Enrollment: an agent trades a one-time join token for a long-lived host key. */
export const EnrollRequestSchema = z.strictObject({
  token: z.string().min(16).max(256),
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "Use a host name of letters, digits, . _ -."),
});
export const EnrollResponseSchema = z.object({ hostId: z.string(), hostKey: z.string() });
