// The app spec: one JSON document that describes a FastCGI app. The API, the UI form, the
// agent's standalone config file and the config renderers all parse it with these schemas.
import * as z from "zod";
import { DeploySpecSchema } from "./deploy-spec";
import { execLimitProblem } from "./exec-limits";
import { FpmPoolSchema } from "./fpm-spec";
import { SchedulesSchema, WorkersSchema } from "./jobs-spec";
import { processManagerFields, processManagerProblems } from "./process-manager-spec";
import { EnvNameSchema, EnvValueSchema, isSecretMarker, plainEnv, type SpecEnv } from "./secret-env";
import { WebSpecSchema } from "./web-spec";

const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

export const AppNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "Use 1-63 lowercase letters, digits or dashes, starting with a letter or digit.");

/** An absolute path with no `..` segment and only characters that are safe in every config format. */
export const AbsPathSchema = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^\/[A-Za-z0-9._/@+-]*$/, "Use an absolute path of letters, digits and . _ / @ + - only.")
  .refine((p) => !p.split("/").includes(".."), "A path may not contain '..'.");

/** A path that may also use the `{release}` placeholder of deployments. */
export const TemplatedPathSchema = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^(?:\{release\}|\/)(?:[A-Za-z0-9._/@+-]|\{release\})*$/, "Use an absolute path (or one starting with {release}).")
  .refine((p) => !p.split("/").includes(".."), "A path may not contain '..'.");

export const PosixNameSchema = z
  .string()
  .regex(/^[a-z_][a-z0-9_-]{0,31}\$?$/, "Use a valid user or group name (lowercase letters, digits, _ and -).");

const ModeSchema = z
  .string()
  .regex(/^0?[0-7]{3}$/, "Use an octal mode such as 0660.")
  .refine((m) => (Number.parseInt(m, 8) & 0o002) === 0, "A socket must never be world-writable: drop the last digit's write bit (e.g. 0660).");

export const SocketSpecSchema = z
  .strictObject({
    path: z.string().max(107, "A Unix socket path must be at most 107 bytes.").pipe(AbsPathSchema).optional(),
    tcp: z
      .string()
      .regex(/^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost|[a-z0-9.-]+):\d{1,5}$/, "Use host:port, e.g. 127.0.0.1:9001.")
      .refine((v) => {
        const port = Number(v.slice(v.lastIndexOf(":") + 1));
        return port >= 1 && port <= 65535;
      }, "The port must be between 1 and 65535.")
      .optional(),
    owner: PosixNameSchema.optional(),
    group: PosixNameSchema.optional(),
    mode: ModeSchema.default("0660"),
    bind: z.enum(["agent", "app"]).default("agent"),
    /** A FastCGI port off loopback lets anyone who reaches it run code through the app: only when said so. */
    allowRemote: z.boolean().optional(),
  })
  .superRefine((s, ctx) => {
    if (Boolean(s.path) === Boolean(s.tcp)) {
      ctx.addIssue({ code: "custom", message: "Give exactly one of socket.path (Unix socket) or socket.tcp (host:port)." });
    }
    if (s.tcp && !isLoopbackTcp(s.tcp) && s.allowRemote !== true) {
      ctx.addIssue({
        code: "custom",
        path: ["tcp"],
        message: 'A FastCGI port off loopback is remote code execution for anyone who reaches it: use 127.0.0.1 or [::1], or set "allowRemote": true to mean it.',
      });
    }
  });

/** True for 127.0.0.0/8, [::1] and localhost: the only TCP addresses a FastCGI socket gets by default. */
export function isLoopbackTcp(tcp: string): boolean {
  const host = tcp.slice(0, tcp.lastIndexOf(":"));
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === "[::1]" || host === "localhost";
}

/** The warning shown for a spec that opts in to a remote FastCGI port (null when there is nothing to say). */
export function remoteSocketWarning(socket: { tcp?: string; allowRemote?: boolean }): string | null {
  if (!socket.tcp || isLoopbackTcp(socket.tcp)) return null;
  return `Warning: the FastCGI port ${socket.tcp} is reachable off this host ("allowRemote": true); anyone who can connect to it can run code through the app. Firewall it to the web servers.`;
}
export type SocketSpec = z.infer<typeof SocketSpecSchema>;

/** Values that are rendered into web-server configs: no quotes, braces (but {release}), `;`, `#`, `$` or spaces at ends. */
export const ConfigValueSchema = z
  .string()
  .max(1024)
  .regex(/^(?:[A-Za-z0-9 ._/:@%+=,~-]|\{release\})*$/, "Use letters, digits, spaces and . _ / : @ % + = , ~ - only (no quotes, braces, ;, # or $).");

export const RestartSpecSchema = z.strictObject({
  policy: z.enum(["always", "on-failure", "never"]).default("always"),
  backoffMs: z.number().int().min(50).max(600_000).default(500),
  maxBackoffMs: z.number().int().min(50).max(3_600_000).default(30_000),
  maxRestarts: z.number().int().min(0).max(1000).default(5),
  windowMs: z.number().int().min(1000).max(86_400_000).default(60_000),
});

export const StopSpecSchema = z.strictObject({
  signal: z.enum(["TERM", "INT", "QUIT", "HUP", "KILL", "USR1", "USR2"]).default("TERM"),
  timeoutMs: z.number().int().min(100).max(600_000).default(10_000),
});

export const ReadySpecSchema = z.strictObject({
  probe: z.enum(["fastcgi", "connect", "none"]).default("fastcgi"),
  path: z.string().regex(/^\/[A-Za-z0-9._/~%+-]*$/, "Use a URL path starting with /.").default("/"),
  timeoutMs: z.number().int().min(100).max(600_000).default(5000),
});

/** The spec's fields; AppSpecSchema adds the checks across fields. Extend this, not AppSpecSchema. */
export const AppSpecFields = z.strictObject({
  name: AppNameSchema,
  hostId: z.string().min(1).max(64),
  command: z
    .array(z.string().min(1).max(4096).regex(NO_CONTROL, "Control characters are not allowed."))
    .min(1, "Give the program to run, e.g. [\"/usr/bin/php-cgi\"]."),
  cwd: TemplatedPathSchema.optional(),
  user: PosixNameSchema.optional(),
  group: PosixNameSchema.optional(),
  /** Plain strings, or secrets: `{"secret": "value"}`, read back as `{"secret": {"set": true}}` (secret-env.ts). */
  env: z.record(EnvNameSchema, EnvValueSchema).default({}),
  ...processManagerFields,
  socket: SocketSpecSchema,
  fastcgiParams: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, "FastCGI parameter names are UPPER_CASE."), ConfigValueSchema).default({}),
  restart: RestartSpecSchema.prefault({}),
  stop: StopSpecSchema.prefault({}),
  ready: ReadySpecSchema.prefault({}),
  // Sections owned by later capabilities; kept loose here and validated by their own schemas.
  web: WebSpecSchema.optional(),
  deploy: DeploySpecSchema.optional(),
  /** A php-fpm pool (issue 20): the agent renders it and runs `command` (php-fpm) as one master (agent/fpm/). */
  fpm: FpmPoolSchema.optional(),
  /** Commands without a socket beside the FastCGI processes, supervised like them (agent/supervisor/workers.ts). */
  workers: WorkersSchema,
  /** Commands run on a cron schedule in the current release (agent/schedules/). */
  schedules: SchedulesSchema,
});

/** Checks across fields, for AppSpecSchema and any schema that extends AppSpecFields. */
export function refineAppSpec(
  spec: { command: string[]; env: SpecEnv; fpm?: unknown; processes?: unknown; socket?: { bind?: string }; recycle?: unknown; requestTimeoutS?: unknown },
  ctx: z.RefinementCtx,
): void {
  for (const p of processManagerProblems(spec)) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
  if (spec.fpm !== undefined) {
    // One master per app: php-fpm forks and counts its own children (pm.*).
    if (spec.processes !== undefined && spec.processes !== 1) {
      ctx.addIssue({ code: "custom", path: ["processes"], message: 'php-fpm runs one master that forks its own children: leave "processes" at 1 and set fpm["pm.max_children"].' });
    }
    if (spec.socket?.bind === "app") ctx.addIssue({ code: "custom", path: ["socket", "bind"], message: "php-fpm gets the agent's socket (its socket inheritance): leave socket.bind at agent." });
  }
  // execve refuses the whole exec (E2BIG) past ARG_MAX: say so here, not as a failed start. A kept
  // secret's length is unknown here; the agent checks again with every value filled in.
  const problem = execLimitProblem(spec.command, plainEnv(spec.env));
  if (problem) ctx.addIssue({ code: "custom", path: ["env"], message: problem });
}

export const AppSpecSchema = AppSpecFields.superRefine(refineAppSpec);
export type AppSpec = z.infer<typeof AppSpecSchema>;
export type AppSpecInput = z.input<typeof AppSpecSchema>;

/** What the control plane wants an agent to run: the spec plus its identity and desired state. */
export const DesiredAppSchema = z.strictObject({
  // A directory name on the agent (its logs live in logs/<appId>): no "/", no leading ".", so never "..".
  appId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "An app id is letters, digits, . _ - (not starting with .)."),
  revision: z.number().int().min(0),
  desired: z.enum(["running", "stopped"]),
  // A secret arrives with its value; a marker here means the control plane could not open it.
  spec: AppSpecSchema.superRefine((s, ctx) => {
    for (const [name, v] of Object.entries(s.env)) {
      if (isSecretMarker(v)) ctx.addIssue({ code: "custom", path: ["env", name], message: `The secret ${name} reached the agent without its value (the control plane could not open it: send it again).` });
    }
  }),
  /** An owner approved running this spec as uid 0 (lib/protocol/run-as.ts); without it the agent refuses uid 0. */
  rootApproved: z.boolean().default(false),
});
export type DesiredApp = z.infer<typeof DesiredAppSchema>;

/** Flattens zod issues into `{path, message}` pairs that name the field. */
export function fieldErrors(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({
    path: i.path.map(String).join(".") || "(root)",
    message:
      i.code === "unrecognized_keys"
        ? `Unknown field${i.keys.length > 1 ? "s" : ""}: ${i.keys.join(", ")}.`
        : i.message,
  }));
}
