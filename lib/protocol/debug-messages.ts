// Debugging "as the web-server user": the doctor's findings, run-by-hand results, the pty relay
// frames between browser, control plane and agent, and the asciicast v2 recording format.
import * as z from "zod";

export const DoctorCodeSchema = z.enum([
  "spec-unfit",
  "script-missing",
  "not-executable",
  "bad-shebang",
  "interpreter-mismatch",
  "import-error",
  "relative-path",
  "missing-env",
  "socket-mismatch",
  "socket-permission",
  "app-binds-elsewhere",
  "app-bound-tcp",
  "web-server-addrs-unix",
  "no-response",
  "server-error",
  "no-live-process",
  "response-headers-too-big",
]);
export type DoctorCode = z.infer<typeof DoctorCodeSchema>;

export const DoctorFindingSchema = z.object({
  code: DoctorCodeSchema,
  severity: z.enum(["error", "warning", "info"]),
  title: z.string(),
  /** What was observed: a traceback, the sys.path, the two socket paths, the failing directory. */
  detail: z.string(),
  /** What to do about it, as concrete as possible (e.g. the exact `chmod 755 /srv/app/app.fcgi`). */
  fix: z.string(),
});
export type DoctorFinding = z.infer<typeof DoctorFindingSchema>;

export const DoctorReportSchema = z.object({
  findings: z.array(DoctorFindingSchema),
  ranAt: z.string(),
  durationMs: z.number(),
});
export type DoctorReport = z.infer<typeof DoctorReportSchema>;

export const RunByHandResultSchema = z.object({
  /** How the instance ended up: it answered, died, never answered, or could not start at all. */
  outcome: z.enum(["responded", "crashed", "no-response", "spawn-failed", "failed"]),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  response: z
    .object({
      status: z.number().int(),
      headers: z.record(z.string(), z.string()),
      body: z.string(),
      stderr: z.string(),
    })
    .nullable(),
  error: z.string().nullable(),
  durationMs: z.number(),
});
export type RunByHandResult = z.infer<typeof RunByHandResultSchema>;

// Pty relay frames. Input and output data are UTF-8 text as the terminal produces and consumes it.
const SessionId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "Session ids use letters, digits, _ and -.");
const Cols = z.number().int().min(2).max(1000);
const Rows = z.number().int().min(2).max(500);

export const PtyOpenSchema = z.strictObject({
  type: z.literal("pty.open"),
  sessionId: SessionId,
  appId: z.string().min(1).max(64).optional(),
  user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}\$?$/, "Use a valid user name."),
  cols: Cols,
  rows: Rows,
});
export const PtyInputSchema = z.strictObject({ type: z.literal("pty.input"), sessionId: SessionId, data: z.string().max(65_536) });
export const PtyResizeSchema = z.strictObject({ type: z.literal("pty.resize"), sessionId: SessionId, cols: Cols, rows: Rows });
export const PtyOutputSchema = z.strictObject({ type: z.literal("pty.output"), sessionId: SessionId, data: z.string() });
export const PtyExitSchema = z.strictObject({
  type: z.literal("pty.exit"),
  sessionId: SessionId,
  code: z.number().int().nullable(),
  reason: z.enum(["exit", "idle", "max-duration", "closed"]).optional(),
});
export const PtyCloseSchema = z.strictObject({ type: z.literal("pty.close"), sessionId: SessionId });

export const PtyMessageSchema = z.discriminatedUnion("type", [
  PtyOpenSchema,
  PtyInputSchema,
  PtyResizeSchema,
  PtyOutputSchema,
  PtyExitSchema,
  PtyCloseSchema,
]);
export type PtyMessage = z.infer<typeof PtyMessageSchema>;
export type PtyOpen = z.infer<typeof PtyOpenSchema>;

// asciicast v2: one JSON header line, then one `[seconds, kind, data]` line per event.
export const AsciicastHeaderSchema = z.object({
  version: z.literal(2),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  timestamp: z.number().int().optional(),
  title: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
});
export type AsciicastHeader = z.infer<typeof AsciicastHeaderSchema>;

export const AsciicastEventSchema = z.tuple([z.number().min(0), z.enum(["o", "i", "r", "m"]), z.string()]);
export type AsciicastEvent = z.infer<typeof AsciicastEventSchema>;

export type AsciicastRecording = { header: AsciicastHeader; events: AsciicastEvent[] };
