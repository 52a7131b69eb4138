// What runs beside an app's FastCGI processes: `workers` (long-running commands without a socket,
// such as `php artisan queue:work` or a Celery worker, supervised like the app's processes) and
// `schedules` (commands run on a cron schedule, as crontab would, in the app's current release).
import { Cron } from "croner";
import * as z from "zod";

const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;
const JobNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "Use 1-40 lowercase letters, digits, _ or -, starting with a letter or digit.");
export const JobCommandSchema = z
  .array(z.string().min(1).max(4096).regex(NO_CONTROL, "Control characters are not allowed."))
  .min(1, 'Give the program to run, e.g. ["php", "artisan", "queue:work"].')
  .max(256);

export const WorkerSpecSchema = z.strictObject({
  name: JobNameSchema,
  command: JobCommandSchema,
  count: z.number().int().min(1, "Run at least 1.").max(32, "Run at most 32 of one worker.").default(1),
});
export type WorkerSpec = z.infer<typeof WorkerSpecSchema>;

/**
 * A cron expression of five fields (minute hour day-of-month month day-of-week), as in crontab.
 * Six fields (seconds first, croner's extension) are refused: a pasted Quartz expression would
 * silently run every second, and a crontab line never has them.
 */
export const CronSchema = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9*/,\-?LW# ]+$/, "Use a cron expression such as */5 * * * *.")
  .refine((c) => c.trim().split(/\s+/).length === 5, "Use five fields: minute hour day-of-month month day-of-week (e.g. */5 * * * *).")
  .superRefine((c, ctx) => {
    // Not five fields is said once above; croner's own words for it ("five, six or seven") would contradict it.
    if (c.trim().split(/\s+/).length !== 5) return;
    try {
      const cron = new Cron(c, { paused: true, mode: "5-part" });
      // A date that never comes (30 2 = February 30th) parses, and the schedule would silently never run.
      if (cron.nextRun() === null) ctx.addIssue({ code: "custom", message: "This expression never matches a date (e.g. February 30th): the schedule would never run." });
      cron.stop();
    } catch (e) {
      ctx.addIssue({ code: "custom", message: `Not a valid cron expression: ${e instanceof Error ? e.message : String(e)}` });
    }
  });

export const ScheduleSpecSchema = z.strictObject({
  name: JobNameSchema,
  cron: CronSchema,
  command: JobCommandSchema,
  /** Start a run even while the previous one still runs (default: that run is skipped, and recorded as such). */
  overlap: z.boolean().default(false),
  /**
   * A run missed while no agent ran (host down, agent stopped): `"once"` runs it once when the agent
   * is back, however many were missed; `"skip"` (default, like cron) waits for the next one.
   */
  catchUp: z.enum(["once", "skip"]).default("skip"),
  /** A run still going after this long is stopped (TERM, then KILL) and recorded as timed out. */
  timeoutS: z.number().int().min(1).max(86_400).default(3600),
});
export type ScheduleSpec = z.infer<typeof ScheduleSpecSchema>;

function uniqueNames(what: string) {
  return (list: { name: string }[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    for (const [i, item] of list.entries()) {
      if (seen.has(item.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `Two ${what} are named ${item.name}.` });
      seen.add(item.name);
    }
  };
}

// Optional, not defaulted: a spec without them round-trips unchanged through the API.
export const WorkersSchema = z.array(WorkerSpecSchema).max(32).superRefine(uniqueNames("workers")).optional();
export const SchedulesSchema = z.array(ScheduleSpecSchema).max(64).superRefine(uniqueNames("schedules")).optional();

/** A worker instance as the app's status shows it. */
/** The one way a schedule's cron expression is read (agent and UI alike): five fields, cron's day OR logic. */
export function cronOf(expr: string): Cron {
  return new Cron(expr, { paused: true, mode: "5-part" });
}

export const WorkerStatusSchema = z.object({
  name: z.string(),
  index: z.number().int().min(0),
  pid: z.number().int().min(0),
  state: z.enum(["STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING", "EXITED", "FATAL"]),
  startedAt: z.string().nullable(),
  restarts: z.number().int().min(0),
  exitCode: z.number().int().nullable(),
  lastOutput: z.string().max(8192).default(""),
});
export type WorkerStatus = z.infer<typeof WorkerStatusSchema>;

export const ScheduleRunSchema = z.object({
  id: z.string().max(64),
  schedule: z.string(),
  /** The cron time the run was for (ISO), and when it really started and ended. */
  scheduledFor: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  status: z.enum(["running", "succeeded", "failed", "timed-out", "skipped", "not-started"]),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  durationMs: z.number().min(0).nullable(),
  pid: z.number().int().min(0),
  /** stdout and stderr interleaved, the first part kept (see outputTruncated). */
  output: z.string(),
  outputTruncated: z.boolean(),
  /** Why it was skipped or not started; "caught up" for a run made for a missed time. */
  note: z.string().default(""),
});
export type ScheduleRun = z.infer<typeof ScheduleRunSchema>;

export const ScheduleViewSchema = z.object({
  name: z.string(),
  cron: z.string(),
  command: z.array(z.string()),
  overlap: z.boolean(),
  catchUp: z.enum(["once", "skip"]),
  nextRunAt: z.string().nullable(),
  running: z.boolean(),
  runs: z.array(ScheduleRunSchema),
});
export type ScheduleView = z.infer<typeof ScheduleViewSchema>;
export const SchedulesReplySchema = z.object({ schedules: z.array(ScheduleViewSchema) });
export type SchedulesReply = z.infer<typeof SchedulesReplySchema>;
