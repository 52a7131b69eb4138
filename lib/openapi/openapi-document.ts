// The OpenAPI 3.1 document of /api/v1, generated from the same zod schemas the handlers parse with.
import * as z from "zod";
import { CreateTokenSchema } from "../auth/api-tokens";
import { AcceptInviteSchema, InviteSchema } from "../auth/invites";
import { ChangeRoleSchema } from "../auth/manage-users";
import { ChangePasswordSchema } from "../auth/account";
import { AuditQuerySchema } from "../audit/list-audit";
import {
  AdoptSchema,
  AppSpecFields,
  DiscoveryResultSchema,
  EventQuerySchema,
  ProcessEventPageSchema,
  AppSpecSchema,
  DoctorReportSchema,
  RunByHandResultSchema,
  AppViewSchema,
  ApplyOutcomeSchema,
  EnrollRequestSchema,
  EnrollResponseSchema,
  HostViewSchema,
  LogPageSchema,
  LogQuerySchema,
  ProcessInfoSchema,
  TestRequestSchema,
  TestResponseSchema,
  TracebackGroupSchema,
  AppSampleSchema,
  MetricRangeSchema,
  WebConfigStateSchema,
  WebTargetsSchema,
  CommitSummarySchema,
  DeploymentViewSchema,
  GitRefSchema,
  ReleaseInfoSchema,
  ReleaseNameSchema,
  AppPageSchema,
  HostPageSchema,
  ListQuerySchema,
  TRUNCATED_HEADER,
  UNPAGED_MAX,
} from "../protocol";
import { ALERT_OPERATIONS } from "./alert-operations";

type Op = { summary: string; role: string; body?: z.ZodType; query?: z.ZodType; response?: z.ZodType; /** Success codes; default [200]. */ status?: number[] };
const Credentials = z.object({ email: z.string(), password: z.string() });
const Processes = z.object({ processes: z.array(ProcessInfoSchema) });
const ErrorBody = z.object({ code: z.string(), message: z.string(), fields: z.array(z.object({ path: z.string(), message: z.string() })).optional() });

export const OPERATIONS: Record<string, Partial<Record<"get" | "post" | "put" | "patch" | "delete", Op>>> = {
  "/auth/login": { post: { summary: "Log in; sets the session cookie. An account with a second factor gets {secondFactor: \"totp\", pending} and a 5-minute stoker_2fa cookie instead: finish at /auth/login/second-factor", role: "public", body: Credentials } },
  "/auth/login/second-factor": { post: { summary: "Second login step of an account with a second factor: {code (TOTP or recovery code), pending?} with the pending token the password step answered ({secondFactor: \"totp\", pending}, also the stoker_2fa cookie, 5 min); sets the session cookie", role: "public", body: z.object({ code: z.string(), pending: z.string().optional() }) } },
  "/auth/totp": { get: { summary: "My second factor: {enrolled, pending, required, recoveryCodesLeft, passwordAccount}", role: "viewer" } },
  "/auth/totp/enrol": { post: { summary: "Start TOTP enrolment: {secret, otpauthUri, qrSvg}; takes effect once confirmed", role: "viewer" } },
  "/auth/totp/confirm": { post: { summary: "Confirm enrolment with the current code: {recoveryCodes} (10, shown once)", role: "viewer", body: z.object({ code: z.string() }) } },
  "/auth/totp/disable": { post: { summary: "Turn my second factor off (password and a TOTP or recovery code)", role: "viewer", body: z.object({ password: z.string(), code: z.string() }) } },
  "/auth/two-factor-policy": {
    get: { summary: "Whether a second factor is required for every account above viewer", role: "viewer" },
    put: { summary: "Require (or not) a second factor for every account above viewer. Until such a password account enrols, its browser session gets 403 SECOND_FACTOR_REQUIRED everywhere but /auth/totp* and /auth/logout; API tokens and single sign-on sessions are exempt", role: "owner", body: z.object({ required: z.boolean() }) },
  },
  "/auth/setup": { post: { status: [201], summary: "Create the owner account on an empty database", role: "public", body: Credentials } },
  "/auth/logout": { post: { summary: "End this session (after SSO with STOKER_OIDC_LOGOUT=idp, the answer has logoutUrl: the IdP's end-session page)", role: "viewer" } },
  "/auth/me": { get: { summary: "Who am I", role: "viewer" } },
  "/openapi.json": { get: { summary: "This document (OpenAPI 3.1)", role: "public" } },
  "/auth/oidc": { get: { summary: "Whether single sign-on is configured, and its label", role: "public", response: z.object({ enabled: z.boolean(), label: z.string() }) } },
  "/auth/oidc/start": { get: { summary: "Begin single sign-on (302 to the identity provider)", role: "public" } },
  "/auth/oidc/callback": { get: { summary: "Single sign-on callback (302 to the dashboard or /login?error=)", role: "public" } },
  "/auth/oidc/link": { post: { summary: "Link single sign-on to the signed-in account: answers {location}, the identity provider's URL", role: "viewer" } },
  "/auth/password": { post: { summary: "Change my password (ends my other sessions)", role: "viewer", body: ChangePasswordSchema } },
  "/auth/sessions": { get: { summary: "My sessions", role: "viewer" } },
  "/auth/logout-everywhere": { post: { summary: "End all my sessions", role: "viewer" } },
  "/tokens": { get: { summary: "My API tokens", role: "viewer" }, post: { status: [201], summary: "Create an API token (shown once)", role: "viewer", body: CreateTokenSchema } },
  "/tokens/{id}": { delete: { summary: "Revoke an API token", role: "viewer" } },
  "/users": { get: { summary: "Users", role: "admin" } },
  "/users/{id}": { patch: { summary: "Change a user's role", role: "admin", body: ChangeRoleSchema }, delete: { summary: "Remove a user", role: "admin" } },
  "/users/invites": { post: { status: [201], summary: "Invite a user", role: "admin", body: InviteSchema } },
  "/invites/{token}": { get: { summary: "Describe an invitation", role: "public" } },
  "/invites/accept": { post: { status: [201], summary: "Accept an invitation", role: "public", body: AcceptInviteSchema } },
  "/hosts": {
    get: {
      summary: `Hosts with live status, sorted by name. With ?limit= (1-500): one page, {items, nextCursor}; pass nextCursor as ?cursor= for the next (null: the last page). ?q= filters by name. Without limit: the whole list as an array, at most ${UNPAGED_MAX} (header ${TRUNCATED_HEADER} when there were more)`,
      role: "viewer",
      query: ListQuerySchema,
      response: z.union([HostPageSchema, z.array(HostViewSchema)]),
    },
  },
  "/hosts/join-tokens": { post: { status: [201], summary: "One-time join token for a new host: {token, expiresAt, controlPlaneUrl} (the address install.sh names)", role: "admin" } },
  "/hosts/{id}/web-servers": {
    get: { summary: "The host's web servers (detected, with health) and its web-server setting", role: "viewer" },
    put: { summary: "Replace the host's web-server setting (targets); audited, sent to the agent", role: "owner", body: WebTargetsSchema },
  },
  "/hosts/{id}/run-as-users": {
    get: { summary: "The host's allowed run-as users: {users: string[] | null} (null: no list, anyone but root)", role: "viewer", response: z.object({ users: z.array(z.string()).nullable() }) },
    put: { summary: "Replace the host's allowed run-as users ({users: null} removes the list; [] allows no one but the owner); audited", role: "owner", body: z.object({ users: z.array(z.string()).max(64).nullable() }) },
  },
  "/hosts/{id}/stop-apps": {
    post: {
      summary: "Stop every app on the host that is meant to run (each audited as app.stop, the request as host.stop-apps); answers {stopped, failed}",
      role: "operator",
    },
  },
  "/hosts/{id}/upgrade-agent": {
    post: {
      summary: "Upgrade the host's agent in place (installed by install.sh) to the bundle this control plane serves: it downloads, checks the checksum, swaps and restarts; apps keep running. Answers {from, to} (build ids); audited as host.agent-upgrade",
      role: "admin",
    },
  },
  "/hosts/{id}/browse": {
    get: { summary: "A directory on the host as ?user= can read it (?path=, absolute): {path, parent, user, entries: [{name, kind, size, executable}], truncated}; at most 500 entries", role: "admin" },
  },
  "/hosts/{id}/propose": {
    post: { summary: "The agent reads {script} (as {user}) and proposes the rest of a spec for app {name}: runtime, command (interpreter from the shebang), socket (fd 0 or app-bound), cwd, user, mount, with notes saying why", role: "admin" },
  },
  "/apps/validate": {
    post: { summary: "Check a spec as creating it would (schema, run-as, the agent's look at the host, the name), without saving or starting: {valid: true} or 400 with field errors", role: "admin", body: AppSpecSchema },
  },
  "/apps/{id}/validate": {
    post: { summary: "Check a changed spec for app {id} as saving it with PUT would (schema, name and host unchanged, secrets kept with {set: true}, run-as, the agent's look at the host), without saving: {valid: true, envChanged: [names whose value would change, secrets compared without showing them]} or 400 with field errors", role: "admin", body: AppSpecSchema },
  },
  "/agent/install.sh": {
    get: { summary: "The agent install script (POSIX sh): `curl -fsSL URL/api/v1/agent/install.sh | sh -s -- JOIN_TOKEN [--prefix DIR] [--no-systemd] [--name NAME]`", role: "public" },
  },
  "/agent/bundle.tar.gz": {
    get: { summary: "The agent bundle for ?arch= (x64, arm64): the built agent with its native modules; headers x-stoker-agent-build and x-stoker-agent-sha256", role: "public" },
  },
  "/hosts/{id}/discovery": {
    post: {
      summary: "FastCGI apps already running or configured on the host (web-server configs, /proc, supervisord, systemd), each as a spec to import with POST /apps and adopt.pids",
      role: "admin",
      response: DiscoveryResultSchema,
    },
  },
  "/agents/enroll": { post: { status: [201], summary: "Agent enrollment (join token → host key)", role: "public", body: EnrollRequestSchema, response: EnrollResponseSchema } },
  "/apps": {
    get: {
      summary: `Apps with host and processes, sorted by name. With ?limit= (1-500): one page, {items, nextCursor}; pass nextCursor as ?cursor= for the next (null: the last page). ?q= filters by app or host name. Without limit: the whole list as an array, at most ${UNPAGED_MAX} (header ${TRUNCATED_HEADER} when there were more)`,
      role: "viewer",
      query: ListQuerySchema,
      response: z.union([AppPageSchema, z.array(AppViewSchema)]),
    },
    post: {
      status: [201],
      summary: 'Create an app. With "adopt": {"pids": [...]} (an import from discovery) the app takes over those running processes and their socket without restarting them',
      role: "admin",
      body: AppSpecFields.extend({ adopt: AdoptSchema.optional() }),
    },
  },
  "/apps/{id}": {
    get: { summary: "Spec, processes and socket state", role: "viewer", response: AppViewSchema },
    put: { summary: "Replace the spec (rolling replacement). Secret env values are write-only: {\"secret\": {\"set\": true}} keeps a stored one", role: "admin", body: AppSpecSchema },
    delete: { summary: "Stop and remove the app", role: "admin" },
  },
  "/apps/{id}/{action}": { post: { summary: "restart | stop | start | reload; returns when done", role: "operator", response: Processes } },
  "/apps/{id}/processes/{pid}/{action}": { post: { summary: "restart | kill one process", role: "operator", response: Processes } },
  "/apps/{id}/test-request": { post: { summary: "Send a request straight to the app's socket", role: "operator", body: TestRequestSchema, response: TestResponseSchema } },
  "/apps/{id}/logs": { get: { summary: "Log history and search", role: "viewer", query: LogQuerySchema, response: LogPageSchema } },
  "/apps/{id}/logs/download": { get: { summary: "The whole log as plain text", role: "viewer" } },
  "/apps/{id}/schedules": { get: { summary: "The app's schedules with their kept runs, newest first: {schedules: [{name, cron, nextRunAt, running, runs: [{status, exitCode, durationMs, output, …}]}]}", role: "viewer" } },
  "/apps/{id}/workers/{name}/restart": { post: { summary: "Restart a worker's instances gracefully ({index: N} for one instance); audited", role: "operator", body: z.object({ index: z.number().int().min(0).max(1023).optional() }) } },
  "/apps/{id}/events": { get: { summary: "Process event timeline (start, exit, restart, adopt, FATAL, recycle), newest first", role: "viewer", query: EventQuerySchema, response: ProcessEventPageSchema } },
  "/apps/{id}/metrics": {
    get: {
      summary: "The app's metric samples over ?range= (1h, 6h, 24h: 10 s samples; 7d, 30d: 5-minute ones): {range, from, to, source, samples}; ?processes=1 adds each sample's perProcess (CPU, RSS, fds, workers of each process, up to 16)",
      role: "viewer",
      query: z.object({ range: MetricRangeSchema.optional(), processes: z.enum(["1"]).optional() }),
      response: z.object({ range: MetricRangeSchema, from: z.number(), to: z.number(), source: z.enum(["agent", "control-plane"]), samples: z.array(AppSampleSchema) }),
    },
  },
  "/metrics": {
    get: {
      summary:
        "Prometheus text exposition (text/plain; version=0.0.4) of every app, labels app and host, gauges read from the agents at scrape time: stoker_app_up, _processes, _cpu_percent, _memory_rss_bytes, _open_fds, _restarts, _workers_busy, _workers_idle, _listen_queue, _requests_total, _responses_total{class}, _request_seconds_total, _request_duration_seconds{quantile}, stoker_process_*{slot}",
      role: "viewer",
    },
  },
  "/metrics/recent": { get: { summary: "Every app's last 15 minutes (CPU %, RSS, requests/s, 5xx/s) as columns, for sparklines", role: "viewer" } },
  "/apps/{id}/tracebacks": { get: { summary: "Traceback groups", role: "viewer", response: z.array(TracebackGroupSchema) } },
  "/apps/{id}/webconfig": { get: { summary: "Rendered web-server config, applied version, drift", role: "viewer", response: WebConfigStateSchema } },
  "/apps/{id}/webconfig/apply": { post: { summary: "Validate, swap, reload, probe (rolls back on failure)", role: "admin", response: ApplyOutcomeSchema } },
  "/apps/{id}/webconfig/adopt": { post: { summary: "Accept a hand edit as the applied version", role: "admin" } },
  "/apps/{id}/webconfig/history": { get: { summary: "Applied versions", role: "viewer" } },
  "/apps/{id}/webconfig/rollback": { post: { summary: "Apply an earlier version again", role: "admin" } },
  "/apps/{id}/retry": { post: { summary: "Apply the saved revision again after it failed (app JSON: revision ≠ runningRevision, failedRevision)", role: "admin", response: z.object({ revision: z.number() }) } },
  "/apps/{id}/revert": { post: { summary: "Save the running revision's spec as a new revision, dropping a saved one that failed to apply", role: "admin", response: z.object({ revision: z.number(), revertedTo: z.number() }) } },
  "/apps/{id}/deployments": {
    get: { summary: "Deployment history, newest first", role: "viewer", response: z.array(DeploymentViewSchema) },
    post: { status: [202], summary: "Deploy {ref} (or multipart field `archive`, a .tar.gz); 202, follow /deployments/{id}; 409 while one runs", role: "admin", body: z.object({ ref: z.string().optional() }), response: DeploymentViewSchema },
  },
  "/deployments/{id}": { get: { summary: "One deployment with its steps and their output", role: "viewer", response: DeploymentViewSchema } },
  "/apps/{id}/rollback": { post: { status: [202], summary: "Switch back to a kept release (zero-failure swap)", role: "admin", body: z.object({ release: ReleaseNameSchema }), response: DeploymentViewSchema } },
  "/apps/{id}/deploy/refs": { get: { summary: "Branches and tags of the source repository", role: "viewer", response: z.array(GitRefSchema) } },
  "/apps/{id}/deploy/commits": { get: { summary: "Commits between the live release and ?to= (or ?from=)", role: "viewer", query: z.object({ to: z.string(), from: z.string().optional() }), response: z.array(CommitSummarySchema) } },
  "/apps/{id}/deploy/releases": { get: { summary: "Kept releases, newest first, and which is live", role: "viewer", response: z.array(ReleaseInfoSchema) } },
  "/apps/{id}/deploy/hook-secret": { post: { summary: "Generate or rotate the deploy webhook secret (shown once)", role: "admin" } },
  "/hooks/deploy/{id}": { post: { status: [202, 200], summary: "Deploy-on-push webhook, signed with X-Hub-Signature-256 (HMAC-SHA256 of the raw body)", role: "public" } },
  "/apps/{id}/doctor": { post: { summary: "Run the doctor: findings with causes and fixes", role: "operator", response: DoctorReportSchema } },
  "/apps/{id}/run-by-hand": { post: { summary: "Start one instance by hand and send one request", role: "operator", response: RunByHandResultSchema } },
  "/apps/{id}/debug-sessions": { post: { status: [201], summary: "Open a recorded terminal (stream over /ws/ui)", role: "operator" } },
  "/debug-sessions/{id}/recording": { get: { summary: "asciicast v2 recording (owner of the session, admins)", role: "viewer" } },
  "/audit": { get: { summary: "Audit history, newest first", role: "viewer", query: AuditQuerySchema } },
  "/audit/verify": { get: { summary: "Verify the HMAC chain", role: "viewer" } },
  "/audit/checkpoint": {
    get: { summary: "A signed checkpoint of the audit chain, to keep outside Stoker", role: "admin" },
    post: { summary: "Check a kept checkpoint: does the history still hold that event with that hash?", role: "admin" },
  },
  "/audit/export": { get: { summary: "Export the history as CSV or JSON lines", role: "viewer" } },
  "/health": { get: { summary: "Liveness", role: "public" } },
  ...ALERT_OPERATIONS,
};

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: "input", unrepresentable: "any" });

export function openApiDocument(basePath = "") {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, ops] of Object.entries(OPERATIONS)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(ops)) {
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
      if (op.query) {
        const q = schema(op.query) as { properties?: Record<string, unknown> };
        for (const [name, s] of Object.entries(q.properties ?? {})) params.push({ name, in: "query", required: false, schema: s as { type: string } });
      }
      paths[path][method] = {
        summary: op.summary,
        description: op.role === "public" ? "No authentication." : `Needs the ${op.role} role (session cookie + x-stoker-csrf header, or Bearer token).`,
        ...(op.role === "public" ? { security: [] } : {}),
        parameters: params,
        ...(op.body ? { requestBody: { required: true, content: { "application/json": { schema: schema(op.body) } } } } : {}),
        responses: {
          ...Object.fromEntries((op.status ?? [200]).map((code) => [String(code), { description: code === 201 ? "Created" : code === 202 ? "Accepted" : "OK", ...(op.response ? { content: { "application/json": { schema: schema(op.response) } } } : {}) }])),
          default: { description: "Error", content: { "application/json": { schema: schema(ErrorBody) } } },
        },
      };
    }
  }
  return {
    openapi: "3.1.0",
    info: { title: "Stoker API", version: "1", description: "Control plane for FastCGI applications." },
    servers: [{ url: `${basePath}/api/v1` }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" }, cookie: { type: "apiKey", in: "cookie", name: "stoker_session" } } },
    security: [{ bearer: [] }, { cookie: [] }],
    paths,
  };
}
