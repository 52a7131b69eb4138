// A php-fpm pool in an app spec (`"fpm": {...}`): the pool directives people already have in their
// pool .conf files, under the same names, so moving a pool is a copy. Every value is checked here so
// nothing can break out of its line in the rendered ini (agent/fpm/pool-config.ts renders it).
import * as z from "zod";

/** php-fpm durations: seconds, or a number with s, m, h or d (`30s`, `5m`). */
const DurationSchema = z.union([
  z.number().int().min(0).max(86_400 * 30),
  z.string().regex(/^\d{1,7}[smhd]?$/, "Use a number of seconds or a number with s, m, h or d (e.g. 30s, 5m)."),
]);
const Count = (max: number) => z.number().int().min(0).max(max);
const UrlPathSchema = z.string().max(200).regex(/^\/[A-Za-z0-9._~\/-]*$/, "Use a URL path starting with / (letters, digits, . _ ~ / -).");

/**
 * A PHP ini value. Rendered inside double quotes, where the ini parser would still expand `${…}` and
 * read `\"`: no `"`, `$`, `\`, control characters or non-ASCII.
 */
export const PhpIniValueSchema = z
  .union([z.string(), z.number(), z.boolean()])
  .transform((v) => (typeof v === "boolean" ? (v ? "1" : "0") : String(v)))
  .pipe(z.string().max(4096).regex(/^[\x20-\x7e]*$/, "Printable ASCII only.").regex(/^[^"$\\]*$/, 'No ", $ or \\ (the ini parser would read them).'));
const PhpIniNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]{0,127}$/, "PHP ini names are letters, digits, _ and . (e.g. memory_limit).");
const PhpIniMapSchema = z.record(PhpIniNameSchema, PhpIniValueSchema).default({});

/** What a pool sets that Stoker decides elsewhere in the spec, and where. */
const OWNED_ELSEWHERE: Record<string, string> = {
  listen: 'The agent owns the socket and hands it to php-fpm: set "socket": {"path": …} instead.',
  "listen.owner": 'Set "socket.owner" instead.',
  "listen.group": 'Set "socket.group" instead.',
  "listen.mode": 'Set "socket.mode" instead.',
  "listen.backlog": "The agent owns the socket and its backlog.",
  "listen.allowed_clients": 'The agent owns the socket: use a Unix socket, or "socket.tcp" on loopback.',
  user: 'Set the spec\'s "user" instead: the agent starts php-fpm as that user.',
  group: 'Set the spec\'s "group" instead.',
  chdir: 'Set the spec\'s "cwd" instead.',
  prefix: "Not needed: the agent renders the whole pool.",
  slowlog: "Slow-request traces go to the app's log (stderr): leave it out.",
  "access.log": "Requests are counted from the web server's access log: leave it out.",
  pid: "The agent keeps the pid.",
  error_log: "php-fpm's log goes to the app's log: leave it out.",
  daemonize: "php-fpm runs in the foreground under the agent.",
};

const PHP_MAPS = ["php_value", "php_flag", "php_admin_value", "php_admin_flag"] as const;
type PhpMap = (typeof PHP_MAPS)[number];

/** `"php_admin_value[memory_limit]": "128M"`, as written in a pool file, joins the `php_admin_value` map. */
function foldIniKeys(input: unknown): unknown {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return input;
  const out: Record<string, unknown> = {};
  const maps: Partial<Record<PhpMap, Record<string, unknown>>> = {};
  for (const [key, value] of Object.entries(input)) {
    const m = /^(php_value|php_flag|php_admin_value|php_admin_flag)\[([^\]]*)\]$/.exec(key);
    if (m) {
      const name = m[1] as PhpMap;
      maps[name] = { ...maps[name], [m[2]]: value };
    } else out[key] = value;
  }
  for (const name of PHP_MAPS) {
    if (!maps[name]) continue;
    const given = out[name];
    out[name] = { ...(typeof given === "object" && given !== null ? given : {}), ...maps[name] };
  }
  return out;
}

const FpmPoolFields = z.strictObject({
  pm: z.enum(["static", "dynamic", "ondemand"]).default("dynamic"),
  "pm.max_children": z.number().int().min(1).max(10_000).default(5),
  "pm.start_servers": Count(10_000).optional(),
  "pm.min_spare_servers": Count(10_000).optional(),
  "pm.max_spare_servers": Count(10_000).optional(),
  "pm.max_spawn_rate": z.number().int().min(1).max(10_000).optional(),
  "pm.process_idle_timeout": DurationSchema.optional(),
  "pm.max_requests": Count(100_000_000).optional(),
  /** The pool's status page (default: a path of the agent's, which it reads for the metrics). */
  "pm.status_path": UrlPathSchema.optional(),
  "ping.path": UrlPathSchema.optional(),
  "ping.response": z.string().max(100).regex(/^[A-Za-z0-9 ._-]*$/, "Letters, digits, spaces and . _ - only.").optional(),
  request_terminate_timeout: DurationSchema.optional(),
  request_slowlog_timeout: DurationSchema.optional(),
  request_slowlog_trace_depth: z.number().int().min(1).max(1000).optional(),
  rlimit_files: z.number().int().min(1).max(1 << 24).optional(),
  rlimit_core: z.union([z.number().int().min(0), z.literal("unlimited")]).optional(),
  catch_workers_output: z.boolean().default(true),
  decorate_workers_output: z.boolean().default(false),
  /** php-fpm's default clears the environment of its workers; the spec's env is what the app should see. */
  clear_env: z.boolean().default(false),
  "security.limit_extensions": z.string().max(200).regex(/^\.[A-Za-z0-9]+( \.[A-Za-z0-9]+)*$/, "Use extensions separated by spaces, e.g. .php .php8.").optional(),
  php_value: PhpIniMapSchema,
  php_flag: PhpIniMapSchema,
  php_admin_value: PhpIniMapSchema,
  php_admin_flag: PhpIniMapSchema,
});

/** pm = dynamic's spare counts as php-fpm would take them (Debian's www.conf values where unset). */
export function dynamicCounts(p: { "pm.max_children": number; "pm.start_servers"?: number; "pm.min_spare_servers"?: number; "pm.max_spare_servers"?: number }): {
  start: number;
  minSpare: number;
  maxSpare: number;
} {
  const max = p["pm.max_children"];
  const minSpare = p["pm.min_spare_servers"] ?? 1;
  const maxSpare = p["pm.max_spare_servers"] ?? Math.max(minSpare, Math.min(3, max));
  const start = p["pm.start_servers"] ?? Math.min(max, minSpare + Math.floor((maxSpare - minSpare) / 2));
  return { start, minSpare, maxSpare };
}

function refinePool(p: z.infer<typeof FpmPoolFields>, ctx: z.RefinementCtx): void {
  if (p.pm !== "dynamic") return;
  // php-fpm refuses these at start; said here with the field's name.
  const { start, minSpare, maxSpare } = dynamicCounts(p);
  if (minSpare < 1) ctx.addIssue({ code: "custom", path: ["pm.min_spare_servers"], message: "pm = dynamic needs pm.min_spare_servers of at least 1." });
  if (maxSpare < minSpare) ctx.addIssue({ code: "custom", path: ["pm.max_spare_servers"], message: "pm.max_spare_servers must be at least pm.min_spare_servers." });
  if (maxSpare > p["pm.max_children"]) ctx.addIssue({ code: "custom", path: ["pm.max_spare_servers"], message: "pm.max_spare_servers may not exceed pm.max_children." });
  if (start < minSpare || start > maxSpare) {
    ctx.addIssue({ code: "custom", path: ["pm.start_servers"], message: "pm.start_servers must lie between pm.min_spare_servers and pm.max_spare_servers." });
  }
}

export const FpmPoolSchema = z.preprocess((input, ctx) => {
  const folded = foldIniKeys(input);
  if (typeof folded !== "object" || folded === null || Array.isArray(folded)) return folded;
  // A directive Stoker sets from another part of the spec: said where, once (not also as "unknown").
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(folded)) {
    const why = OWNED_ELSEWHERE[key];
    if (why) ctx.addIssue({ code: "custom", path: [key], message: why });
    else rest[key] = value;
  }
  return rest;
}, FpmPoolFields.superRefine(refinePool));
export type FpmPool = z.infer<typeof FpmPoolSchema>;

/** The status path the agent reads when the pool names none. */
export const DEFAULT_FPM_STATUS_PATH = "/stoker-fpm-status";
