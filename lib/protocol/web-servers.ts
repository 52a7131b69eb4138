// Web servers as a host setting: how the agent reaches each server (its targets: include dir,
// validate/reload/start commands, pid file, error log) and what it found installed (host facts).
import * as z from "zod";
import { WebServerSchema } from "./web-spec";

const Argv = z.array(z.string().min(1).max(4096).regex(/^[^\u0000]*$/)).max(32);
const AbsFile = z.string().startsWith("/", "Use an absolute path.").max(4096).regex(/^[^\u0000-\u001f]*$/, "No control characters.");

/** How the agent applies config to one server; every field overrides what detection found. */
export const WebTargetSchema = z.strictObject({
  /** Include directory the main config reads (`*.conf`). */
  dir: AbsFile.optional(),
  validateArgv: Argv.min(1).optional(),
  /** Empty: reload by `reloadSignal` to the pid in `pidFile` (no systemd). */
  reloadArgv: Argv.optional(),
  reloadSignal: z.enum(["SIGHUP", "SIGUSR1", "SIGUSR2"]).optional(),
  startArgv: Argv.optional(),
  pidFile: AbsFile.optional(),
  errorLog: AbsFile.optional(),
  settleMs: z.number().int().min(0).max(10_000).optional(),
  /** Where each site's own error log goes (rendered into the site; the agent follows it). */
  siteLogDir: z
    .string()
    .regex(/^\/[A-Za-z0-9._/@+-]*$/, "siteLogDir: an absolute directory of letters, digits and . _ / @ + - only.")
    .refine((p) => !p.split("/").includes(".."), "siteLogDir may not contain '..'.")
    .optional(),
});
export type WebTarget = z.infer<typeof WebTargetSchema>;

/** Per-server targets (the host setting, STOKER_WEB_TARGETS, `<state>/web-targets.json`). */
export const WebTargetsSchema = z.strictObject({
  nginx: WebTargetSchema.optional(),
  lighttpd: WebTargetSchema.optional(),
  apache: WebTargetSchema.optional(),
});
export type WebTargets = z.infer<typeof WebTargetsSchema>;

/** One installed web server as the agent found it. */
/** One apply's outcome on a server, as the Hosts page shows it ("ok" or "failed at STEP" and when). */
export const LastApplySchema = z.object({ at: z.string(), ok: z.boolean(), step: z.string(), message: z.string().max(2000) });

export const DetectedWebServerSchema = z.object({
  server: WebServerSchema,
  binary: z.string().max(4096),
  version: z.string().max(255),
  /** The main config file and the include directory Stoker writes sites into. */
  mainConfig: z.string().max(4096),
  configDir: z.string().max(4096),
  errorLog: z.string().max(4096),
  pidFile: z.string().max(4096),
  running: z.boolean(),
  pid: z.number().int().nullable(),
  /** How it is reloaded and started here: through systemd, or by signal and command without it. */
  reloadVia: z.enum(["systemd", "command", "signal"]),
  /** The targets in force for this server (detected, then host setting, then overrides). */
  target: WebTargetSchema,
  /** Where the targets came from, most specific last, e.g. ["detected", "host-setting"]. */
  sources: z.array(z.enum(["detected", "host-setting", "env", "file"])).max(4),
  /** The last apply on this server, if any (kept in the agent's state dir across restarts). */
  lastApply: LastApplySchema.nullable().default(null),
});
export type DetectedWebServer = z.infer<typeof DetectedWebServerSchema>;
